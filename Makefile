# The one way to install, run, test, lint and migrate llm-gateway.
.PHONY: install run test lint fmt typecheck migrate lock bench load fake-upstream clean

install:
	bash scripts/bootstrap.sh

run:
	bash scripts/run.sh

test:
	bash scripts/test.sh

lint: install
	.venv/bin/ruff check src tests bench scripts alembic
	.venv/bin/ruff format --check src tests bench scripts alembic
	.venv/bin/mypy

fmt: install
	.venv/bin/ruff check --fix src tests bench scripts alembic
	.venv/bin/ruff format src tests bench scripts alembic

typecheck: install
	.venv/bin/mypy

migrate: install
	.venv/bin/llm-gateway db upgrade

# Re-pin every dependency after changing pyproject.toml (needs network access to PyPI).
lock:
	rm -rf /tmp/llmgw-lock && python3 -m venv /tmp/llmgw-lock
	/tmp/llmgw-lock/bin/pip install --quiet -e '.[dev]'
	/tmp/llmgw-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > requirements.lock

bench: install
	bash bench/run.sh

# Locust only, headless and bounded, against a running gateway: make load HOST=http://127.0.0.1:8000
HOST ?= http://127.0.0.1:8000
SECONDS ?= 60
load: install
	.venv/bin/locust -f tests/load/locustfile.py --headless -u 16 -r 16 -t $(SECONDS)s --host $(HOST) --only-summary

clean:
	rm -rf .venv var .mypy_cache .ruff_cache .pytest_cache
