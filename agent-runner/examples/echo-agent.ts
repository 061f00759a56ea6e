// The smallest agent: returns its input as the result.
import { runAgent } from "../sdk/index.js";

void runAgent(async (ctx) => ({ echo: ctx.input }));
