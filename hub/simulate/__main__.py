"""`python -m hub.simulate`: the same as `hub simulate` (used by `start_in_subprocess`)."""

from hub.simulate.cli import simulate

if __name__ == "__main__":
    simulate.main(prog_name="python -m hub.simulate")
