"""Runs a Python agent with an audit hook that appends every name lookup and socket connection it makes to a
file, so a test can show the agent phoned nowhere (frameworks' telemetry, trace exporters) but the runner.

    python audit_connect.py LOGPREFIX AGENT.py      (writes LOGPREFIX.<uid>: each task runs as a uid of its own)
"""

import os
import runpy
import sys

log_path, agent = f"{sys.argv[1]}.{os.getuid()}", sys.argv[2]


def hook(event, args):
    if event in ("socket.connect", "socket.getaddrinfo"):
        target = args[1] if event == "socket.connect" else (args[0], args[1])
        try:
            with open(log_path, "a", encoding="utf-8") as f:
                f.write(f"{event} {target!r}\n")
        except OSError as e:
            # Never fail the agent's connection for the log's sake; say it plainly instead.
            sys.stderr.write(f"audit_connect: cannot log {event} {target!r}: {e}\n")


sys.addaudithook(hook)
sys.argv = [agent]
runpy.run_path(agent, run_name="__main__")
