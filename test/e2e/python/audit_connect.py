"""Runs a Python agent with an audit hook that appends every name lookup and socket connection it makes to a
file, so a test can show the agent phoned nowhere (frameworks' telemetry, trace exporters) but the runner.

    python audit_connect.py LOGFILE AGENT.py
"""

import runpy
import sys

log_path, agent = sys.argv[1], sys.argv[2]


def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo"):
        target = args[1] if event == "socket.connect" else (args[0], args[1])
        with open(log_path, "a", encoding="utf-8") as f:
            f.write(f"{event} {target!r}\n")


sys.addaudithook(hook)
sys.argv = [agent]
runpy.run_path(agent, run_name="__main__")
