"""Makes one OpenAI Agents SDK trace and flushes it. With OFFICEOS_QUIET=1 it first calls
officeos.no_phoning_home(), as run_agent does; without it the SDK's exporter posts the trace, with the
configured key, to its endpoint: here PROBE_ENDPOINT, a test's listener on loopback, in place of the vendor's
(the test never sends anything off this machine)."""

import os

if os.environ.get("OFFICEOS_QUIET") == "1":
    import officeos

    officeos.no_phoning_home()

import agents

from agents.tracing.processors import default_exporter

default_exporter().endpoint = os.environ["PROBE_ENDPOINT"]
agents.set_default_openai_key("sk-task-token")
with agents.trace("phone-home-probe"), agents.custom_span("work"):
    pass
agents.flush_traces()
