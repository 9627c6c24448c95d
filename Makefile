# shopbot: `make run` starts the assistant, `make test` runs the tests.
# Both set up what is missing (venv, install, trained model) and skip what is up to date.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.shopbot-installed
MODEL := models/shopbot.tar.gz
INDEX := models/retrieval
CHURN := models/churn
export SHOPBOT_RETRIEVAL_INDEX ?= $(abspath $(INDEX))
export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export TF_CPP_MIN_LOG_LEVEL ?= 2
export RASA_TELEMETRY_ENABLED ?= false
# transformers must not import TensorFlow (Rasa loads it itself where it needs it).
export USE_TF ?= 0

.PHONY: run test setup model index churn store browser bench-nlu bench-retrieval bench-actions bench-chat lint clean-venv help

help:
	@echo "make run        set up if needed, then start the assistant (Rasa server + action server)"
	@echo "make test       set up if needed, then run the test suite"
	@echo "make model      (re)train the Rasa model when its data or config changed"
	@echo "make index      build the retrieval index of past support answers when missing or stale"
	@echo "make churn      train the churn model when missing or stale (reports/churn.*)"
	@echo "make store      migrate the profile store and seed the demo shop when empty (var/shopbot.db)"
	@echo "make bench-nlu  benchmark DIET vs the LoRA classifier (writes reports/nlu_benchmark.*)"
	@echo "make bench-retrieval  retrieval quality and 10k/100k/1M scale benchmark (reports/retrieval*)"
	@echo "make bench-actions    action-server latency under 20 concurrent conversations (reports/actions_benchmark.json)"
	@echo "make bench-chat       10/50/200 concurrent websocket shoppers: round trip, msgs/s, lost/duplicated (reports/chat_benchmark.*)"

setup: $(STAMP)

# Reinstall only when the lock, the project metadata or the install script change.
$(STAMP): requirements.lock pyproject.toml scripts/setup_venv.sh
	@scripts/setup_venv.sh "$(VENV)"
	@touch $(STAMP)

model: $(STAMP)
	@$(PY) -m bot.model_build --out $(MODEL)

# The FAISS index of past support Q/A pairs (build output, not committed): rebuilt when its content changes.
$(INDEX)/manifest.json: $(STAMP) data/qa/qa_pairs.jsonl data/qa/heldout_queries.jsonl
	@echo "==> building the retrieval index $(INDEX) (about 1-2 minutes)"
	@$(PY) -m retrieval build --qa data/qa/qa_pairs.jsonl --out $(INDEX) --heldout data/qa/heldout_queries.jsonl

index: $(INDEX)/manifest.json

# The churn model (build output, seconds to train): retrained when its data or code changes.
$(CHURN)/metadata.json: $(STAMP) data/churn/ecommerce_churn.csv $(wildcard actions/churn/*.py)
	@echo "==> training the churn model $(CHURN)"
	@$(PY) -m actions.churn train --model-dir $(CHURN)

churn: $(CHURN)/metadata.json

# The profile store: migrated on every start (a no-op when current), seeded only when empty.
store: $(STAMP)
	@$(PY) -m actions.store seed

run: model index churn store
	@scripts/run.sh "$(VENV)" "$(MODEL)"

# Browser tests: Debian's Chromium where it can be installed (otherwise they skip, saying why).
browser:
	@scripts/browser_deps.sh

test: model index churn browser
	@$(PY) -m pytest $(PYTEST_ARGS)

bench-nlu: $(STAMP)
	@$(PY) -m finetune.bench_nlu $(BENCH_ARGS)

bench-retrieval: index
	@$(PY) -m retrieval evaluate --index $(INDEX) --report
	@$(PY) -m retrieval.bench $(BENCH_ARGS)

bench-actions: index churn
	@$(PY) -m actions.bench $(BENCH_ARGS)

bench-chat: index churn
	@$(PY) -m bot.bench $(BENCH_ARGS)

lint: $(STAMP)
	@$(VENV)/bin/ruff check bot actions retrieval finetune tests

clean-venv:
	rm -rf $(VENV)
