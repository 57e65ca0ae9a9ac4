"""/chat: one agent turn over a conversation, streamed as SSE, WebSocket or one JSON body."""
