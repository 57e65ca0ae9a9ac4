# The one way to install, run, test, lint and migrate llm-gateway.
.PHONY: install run test lint fmt typecheck migrate lock bench load fake-upstream clean console-screenshots

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

# Re-take docs/console/*.png (desktop 1280x800 and phone 390x844) with the console browser tests on
# the embedded backend; pngquant (apt-get install pngquant) shrinks them when it is installed.
console-screenshots: install
	bash scripts/system-deps.sh
	LLMGW_TEST_BACKENDS=sqlite LLMGW_TEST_CONSOLE_DOCS=1 .venv/bin/pytest -q tests/integration/console_browser
	if command -v pngquant >/dev/null 2>&1; then \
	  pngquant --quality=70-95 --strip --force --ext .png docs/console/*.png; \
	else echo "pngquant is not installed: docs/console/*.png left as Chromium wrote them" >&2; fi

clean:
	rm -rf .venv var .mypy_cache .ruff_cache .pytest_cache
