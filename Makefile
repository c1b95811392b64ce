# Convenience targets; run.sh does the work (and needs no make).
.PHONY: demo test clean
demo:
	./run.sh demo
test:
	./run.sh test
clean:
	rm -rf .venv build *.egg-info
