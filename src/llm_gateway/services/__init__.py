"""Services: the gateway's logic, called by routers, using repositories for queries."""
