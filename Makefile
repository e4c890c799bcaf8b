.PHONY: run test ci lint audit
run:  ## set up and run the app with demo data
	./quickstart.sh
test: ## set up and run the whole test suite
	./runtests.sh
ci:
	bash .ci/run
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
audit: ## known vulnerabilities of the pinned packages (needs the PyPI/OSV API; see README)
	.venv/bin/pip-audit --strict -r requirements-dev.txt
