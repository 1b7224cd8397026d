# llm-tf: everything a fresh machine needs is done by these targets.
#   make demo   -> virtual environment + install + train/evaluate/generate on data/
#   make test   -> virtual environment + install + default test run
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export TF_CPP_MIN_LOG_LEVEL ?= 2
# pytest-xdist workers for make test / test-slow: each file's tests stay in one worker
# (--dist loadfile, so a module's fixtures are built once). 2 workers on 2 cores: 698 s
# against 1,091 s in one process (session 12). Each worker holds its own TensorFlow.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

.PHONY: venv demo test test-slow lint bench bench-w2v data clean

venv: $(STAMP)

# One list of dependencies (setup.cfg), installed at the tested versions (constraints.txt).
$(STAMP): setup.cfg pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade pip
	$(BIN)/python -m pip install -c constraints.txt -e ".[test]"
	$(BIN)/python -m llm_tf.vectors.native
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/llm-tf demo

test: $(STAMP)
	$(PYTEST)

test-slow: $(STAMP)
	$(PYTEST) -m slow

lint: $(STAMP)
	$(BIN)/ruff check llm_tf chapters tests bench data

bench: $(STAMP)
	$(BIN)/python bench/lstm_throughput.py
	$(BIN)/python bench/generation.py

bench-w2v: $(STAMP)
	$(BIN)/python -m pip install -c constraints.txt -e ".[test,bench]"
	$(BIN)/python bench/word2vec_vs_gensim.py --repeats 3 --glove-repeats 1

data: $(STAMP)
	$(BIN)/python data/make_corpus.py
	$(BIN)/python data/make_questions.py
	$(BIN)/python data/make_parallel.py
	$(BIN)/python data/make_classification.py
	$(BIN)/python data/make_focus.py
	$(BIN)/python data/make_pick.py

clean:
	rm -rf $(VENV) runs .pytest_cache
