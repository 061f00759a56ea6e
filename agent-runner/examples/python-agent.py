#!/usr/bin/env python3
"""An OfficeOS agent in Python, standard library only: it speaks the runner's
runtime API with plain HTTP (see docs/sdk.md).

Input: {"steps": N, "word": "...", "fail": false, "retryable": false}. It does N steps, checkpoints after each one
(cursor + app_state), resumes after the last checkpoint when the task is retried
on another runner, and returns {"steps": N, "words": [...], "resumed_from": K}.
With "fail": true it reports an error instead (POST /error), retryable as asked.

Runner config:
  agents:
    py-steps: { command: ["python3", "/opt/officeos/examples/python-agent.py"] }
"""
import json
import os
import signal
import sys
import urllib.error
import urllib.request

API = os.environ["OFFICEOS_RUNTIME_API"]  # a loopback URL, e.g. http://127.0.0.1:41234


def read_token():
    """The task token, valid for this task only: from the 0600 file OFFICEOS_TASK_TOKEN_FILE
    names (preferred), else OFFICEOS_TASK_TOKEN (set only where the environment cannot leak)."""
    path = os.environ.get("OFFICEOS_TASK_TOKEN_FILE")
    if path:
        try:
            with open(path) as f:
                token = f.read().strip()
            if token:
                return token
        except OSError:
            pass
    token = os.environ.get("OFFICEOS_TASK_TOKEN")
    if not token:
        sys.exit("OFFICEOS_TASK_TOKEN_FILE or OFFICEOS_TASK_TOKEN must be set (run this agent under officeos-runner)")
    return token


def make_non_dumpable():
    """PR_SET_DUMPABLE 0: no core dumps, and /proc/<pid>/mem, environ and ptrace closed even
    to processes of our own uid. The kernel resets it at every execve, so the agent sets it itself."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(4, 0, 0, 0, 0)  # PR_SET_DUMPABLE = 4
    except Exception:
        pass


make_non_dumpable()
TOKEN = read_token()


class RuntimeApiError(Exception):
    def __init__(self, status, code, message):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code = status, code


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(API + path, data=data, method=method)
    req.add_header("Authorization", "Bearer " + TOKEN)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=60) as res:
            return json.load(res)
    except urllib.error.HTTPError as e:
        err = json.load(e).get("error", {})
        raise RuntimeApiError(e.code, err.get("code", "unknown"), err.get("message", ""))


stopping = False


def on_sigterm(_sig, _frame):
    # The runner is draining: finish the step in hand, checkpoint, leave.
    global stopping
    stopping = True


signal.signal(signal.SIGTERM, on_sigterm)


def main():
    task = call("GET", "/task")  # {task_id, agent, input, instance, attempt, epoch, checkpoint}
    inp = task["input"] or {}
    steps = int(inp.get("steps", 3))
    restored = (task.get("checkpoint") or {}).get("state") or {}
    step = (restored.get("cursor") or {}).get("step", 0)
    words = (restored.get("app_state") or {}).get("words", [])
    resumed_from = step
    if inp.get("fail"):
        call("POST", "/error", {"error": {"code": "asked_to_fail", "message": "the input asked this agent to fail"}, "retryable": bool(inp.get("retryable", False))})
        sys.exit(1)
    try:
        while step < steps:
            if stopping:
                sys.exit(143)  # the runner releases the task; the next attempt resumes at `step`
            words.append(f"{inp.get('word', 'step')}-{step}")
            step += 1
            seq = call("PUT", "/checkpoint", {"cursor": {"step": step}, "app_state": {"words": words}})["seq"]
            call("POST", "/progress", {"note": f"step {step}/{steps} saved as checkpoint {seq}"})
        call("POST", "/result", {"result": {"steps": steps, "words": words, "resumed_from": resumed_from}})
    except Exception as e:
        if isinstance(e, RuntimeApiError) and e.code == "lease_lost":
            sys.exit(75)  # another attempt owns the task now: stop without reporting
        # Anything else fails the task; the agent's retry policy decides what follows.
        try:
            call("POST", "/error", {"error": {"code": "python_error", "message": str(e)[:16000]}, "retryable": True})
        finally:
            sys.exit(1)


if __name__ == "__main__":
    main()
