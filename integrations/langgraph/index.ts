// OfficeOS for LangGraph.js: the checkpoint saver.
export { OfficeOSSaver, OfficeOSSaverError, type OfficeOSSaverOptions } from "./src/saver.js";
