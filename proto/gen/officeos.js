/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $Writer = $protobuf.Writer, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError, $TypeError = $util.global.TypeError, $String = $util.global.String, $Number = $util.global.Number, $parseInt = $util.global.parseInt, $BigInt = $util.global.BigInt, $Array = $util.global.Array, $Boolean = $util.global.Boolean;

// Exported root namespace
const $root = $protobuf.roots["default"] || ($protobuf.roots["default"] = {});

export const officeos = $root.officeos = (() => {

    /**
     * Namespace officeos.
     * @exports officeos
     * @namespace
     */
    const officeos = {};

    officeos.v1 = (function() {

        /**
         * Namespace v1.
         * @memberof officeos
         * @namespace
         */
        const v1 = {};

        v1.Message = (function() {

            /**
             * Properties of a Message.
             * @typedef {Object} officeos.v1.Message.$Properties
             * @property {string|null} [role] Message role
             * @property {string|null} [content] Message content
             * @property {string|null} [name] Message name
             * @property {string|null} [toolCallId] Message toolCallId
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Message.
             * @memberof officeos.v1
             * @interface IMessage
             * @augments officeos.v1.Message.$Properties
             * @deprecated Use officeos.v1.Message.$Properties instead.
             */

            /**
             * Shape of a Message.
             * @typedef {officeos.v1.Message.$Properties} officeos.v1.Message.$Shape
             */

            /**
             * Constructs a new Message.
             * @memberof officeos.v1
             * @classdesc Represents a Message.
             * @constructor
             * @param {officeos.v1.Message.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Message = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Message role.
             * @member {string} role
             * @memberof officeos.v1.Message
             * @instance
             */
            Message.prototype.role = "";

            /**
             * Message content.
             * @member {string} content
             * @memberof officeos.v1.Message
             * @instance
             */
            Message.prototype.content = "";

            /**
             * Message name.
             * @member {string} name
             * @memberof officeos.v1.Message
             * @instance
             */
            Message.prototype.name = "";

            /**
             * Message toolCallId.
             * @member {string} toolCallId
             * @memberof officeos.v1.Message
             * @instance
             */
            Message.prototype.toolCallId = "";

            /**
             * Encodes the specified Message message. Does not implicitly {@link officeos.v1.Message.verify|verify} messages.
             * @function encode
             * @memberof officeos.v1.Message
             * @static
             * @param {officeos.v1.Message.$Properties} message Message message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Message.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.role != null && $Object.hasOwnProperty.call(message, "role") && message.role !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.role);
                if (message.content != null && $Object.hasOwnProperty.call(message, "content") && message.content !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.content);
                if (message.name != null && $Object.hasOwnProperty.call(message, "name") && message.name !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.name);
                if (message.toolCallId != null && $Object.hasOwnProperty.call(message, "toolCallId") && message.toolCallId !== "")
                    writer.uint32(/* id 4, wireType 2 =*/34).string(message.toolCallId);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Message message from the specified reader or buffer.
             * @function decode
             * @memberof officeos.v1.Message
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {officeos.v1.Message & officeos.v1.Message.$Shape} Message
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Message.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.officeos.v1.Message();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.role = value;
                            else
                                delete message.role;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.content = value;
                            else
                                delete message.content;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.name = value;
                            else
                                delete message.name;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.toolCallId = value;
                            else
                                delete message.toolCallId;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Creates a Message message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof officeos.v1.Message
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {officeos.v1.Message} Message
             */
            Message.fromObject = function (object, _depth) {
                if (object instanceof $root.officeos.v1.Message)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".officeos.v1.Message: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.officeos.v1.Message();
                if (object.role != null)
                    if (typeof object.role !== "string" || object.role.length)
                        message.role = $String(object.role);
                if (object.content != null)
                    if (typeof object.content !== "string" || object.content.length)
                        message.content = $String(object.content);
                if (object.name != null)
                    if (typeof object.name !== "string" || object.name.length)
                        message.name = $String(object.name);
                if (object.toolCallId != null)
                    if (typeof object.toolCallId !== "string" || object.toolCallId.length)
                        message.toolCallId = $String(object.toolCallId);
                return message;
            };

            /**
             * Creates a plain object from a Message message. Also converts values to other types if specified.
             * @function toObject
             * @memberof officeos.v1.Message
             * @static
             * @param {officeos.v1.Message} message Message
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            Message.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.role = "";
                    object.content = "";
                    object.name = "";
                    object.toolCallId = "";
                }
                if (message.role != null && $Object.hasOwnProperty.call(message, "role"))
                    object.role = message.role;
                if (message.content != null && $Object.hasOwnProperty.call(message, "content"))
                    object.content = message.content;
                if (message.name != null && $Object.hasOwnProperty.call(message, "name"))
                    object.name = message.name;
                if (message.toolCallId != null && $Object.hasOwnProperty.call(message, "toolCallId"))
                    object.toolCallId = message.toolCallId;
                return object;
            };

            /**
             * Converts this Message to JSON.
             * @function toJSON
             * @memberof officeos.v1.Message
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            Message.prototype.toJSON = function() {
                return Message.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for Message
             * @function getTypeUrl
             * @memberof officeos.v1.Message
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Message.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/officeos.v1.Message";
            };

            return Message;
        })();

        v1.ToolCall = (function() {

            /**
             * Properties of a ToolCall.
             * @typedef {Object} officeos.v1.ToolCall.$Properties
             * @property {string|null} [id] ToolCall id
             * @property {string|null} [name] ToolCall name
             * @property {string|null} ["arguments"] ToolCall arguments
             * @property {string|null} [result] ToolCall result
             * @property {string|null} [status] ToolCall status
             * @property {number|null} [startedAtMs] ToolCall startedAtMs
             * @property {number|null} [endedAtMs] ToolCall endedAtMs
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a ToolCall.
             * @memberof officeos.v1
             * @interface IToolCall
             * @augments officeos.v1.ToolCall.$Properties
             * @deprecated Use officeos.v1.ToolCall.$Properties instead.
             */

            /**
             * Shape of a ToolCall.
             * @typedef {officeos.v1.ToolCall.$Properties} officeos.v1.ToolCall.$Shape
             */

            /**
             * Constructs a new ToolCall.
             * @memberof officeos.v1
             * @classdesc Represents a ToolCall.
             * @constructor
             * @param {officeos.v1.ToolCall.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ToolCall = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ToolCall id.
             * @member {string} id
             * @memberof officeos.v1.ToolCall
             * @instance
             */
            ToolCall.prototype.id = "";

            /**
             * ToolCall name.
             * @member {string} name
             * @memberof officeos.v1.ToolCall
             * @instance
             */
            ToolCall.prototype.name = "";

            /**
             * ToolCall arguments.
             * @member {string} arguments
             * @memberof officeos.v1.ToolCall
             * @instance
             */
            ToolCall.prototype["arguments"] = "";

            /**
             * ToolCall result.
             * @member {string} result
             * @memberof officeos.v1.ToolCall
             * @instance
             */
            ToolCall.prototype.result = "";

            /**
             * ToolCall status.
             * @member {string} status
             * @memberof officeos.v1.ToolCall
             * @instance
             */
            ToolCall.prototype.status = "";

            /**
             * ToolCall startedAtMs.
             * @member {number} startedAtMs
             * @memberof officeos.v1.ToolCall
             * @instance
             */
            ToolCall.prototype.startedAtMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            /**
             * ToolCall endedAtMs.
             * @member {number} endedAtMs
             * @memberof officeos.v1.ToolCall
             * @instance
             */
            ToolCall.prototype.endedAtMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            /**
             * Encodes the specified ToolCall message. Does not implicitly {@link officeos.v1.ToolCall.verify|verify} messages.
             * @function encode
             * @memberof officeos.v1.ToolCall
             * @static
             * @param {officeos.v1.ToolCall.$Properties} message ToolCall message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            ToolCall.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.id != null && $Object.hasOwnProperty.call(message, "id") && message.id !== "")
                    writer.uint32(/* id 1, wireType 2 =*/10).string(message.id);
                if (message.name != null && $Object.hasOwnProperty.call(message, "name") && message.name !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.name);
                if (message["arguments"] != null && $Object.hasOwnProperty.call(message, "arguments") && message["arguments"] !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message["arguments"]);
                if (message.result != null && $Object.hasOwnProperty.call(message, "result") && message.result !== "")
                    writer.uint32(/* id 4, wireType 2 =*/34).string(message.result);
                if (message.status != null && $Object.hasOwnProperty.call(message, "status") && message.status !== "")
                    writer.uint32(/* id 5, wireType 2 =*/42).string(message.status);
                if (message.startedAtMs != null && $Object.hasOwnProperty.call(message, "startedAtMs") && (typeof message.startedAtMs === "object" ? message.startedAtMs.low || message.startedAtMs.high : message.startedAtMs !== 0))
                    writer.uint32(/* id 6, wireType 0 =*/48).int64(message.startedAtMs);
                if (message.endedAtMs != null && $Object.hasOwnProperty.call(message, "endedAtMs") && (typeof message.endedAtMs === "object" ? message.endedAtMs.low || message.endedAtMs.high : message.endedAtMs !== 0))
                    writer.uint32(/* id 7, wireType 0 =*/56).int64(message.endedAtMs);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a ToolCall message from the specified reader or buffer.
             * @function decode
             * @memberof officeos.v1.ToolCall
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {officeos.v1.ToolCall & officeos.v1.ToolCall.$Shape} ToolCall
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ToolCall.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.officeos.v1.ToolCall();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.id = value;
                            else
                                delete message.id;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.name = value;
                            else
                                delete message.name;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message["arguments"] = value;
                            else
                                delete message["arguments"];
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.result = value;
                            else
                                delete message.result;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.status = value;
                            else
                                delete message.status;
                            continue;
                        }
                    case 6: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.startedAtMs = value;
                            else
                                delete message.startedAtMs;
                            continue;
                        }
                    case 7: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.endedAtMs = value;
                            else
                                delete message.endedAtMs;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Creates a ToolCall message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof officeos.v1.ToolCall
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {officeos.v1.ToolCall} ToolCall
             */
            ToolCall.fromObject = function (object, _depth) {
                if (object instanceof $root.officeos.v1.ToolCall)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".officeos.v1.ToolCall: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.officeos.v1.ToolCall();
                if (object.id != null)
                    if (typeof object.id !== "string" || object.id.length)
                        message.id = $String(object.id);
                if (object.name != null)
                    if (typeof object.name !== "string" || object.name.length)
                        message.name = $String(object.name);
                if (object["arguments"] != null)
                    if (typeof object["arguments"] !== "string" || object["arguments"].length)
                        message["arguments"] = $String(object["arguments"]);
                if (object.result != null)
                    if (typeof object.result !== "string" || object.result.length)
                        message.result = $String(object.result);
                if (object.status != null)
                    if (typeof object.status !== "string" || object.status.length)
                        message.status = $String(object.status);
                if (object.startedAtMs != null)
                    if (typeof object.startedAtMs === "object" ? object.startedAtMs.low || object.startedAtMs.high : $Number(object.startedAtMs) !== 0)
                        if ($util.Long)
                            message.startedAtMs = $util.Long.fromValue(object.startedAtMs, false);
                        else if (typeof object.startedAtMs === "string")
                            message.startedAtMs = $parseInt(object.startedAtMs, 10);
                        else if (typeof object.startedAtMs === "number")
                            message.startedAtMs = object.startedAtMs;
                        else if (typeof object.startedAtMs === "object")
                            message.startedAtMs = new $util.LongBits(object.startedAtMs.low >>> 0, object.startedAtMs.high >>> 0).toNumber();
                if (object.endedAtMs != null)
                    if (typeof object.endedAtMs === "object" ? object.endedAtMs.low || object.endedAtMs.high : $Number(object.endedAtMs) !== 0)
                        if ($util.Long)
                            message.endedAtMs = $util.Long.fromValue(object.endedAtMs, false);
                        else if (typeof object.endedAtMs === "string")
                            message.endedAtMs = $parseInt(object.endedAtMs, 10);
                        else if (typeof object.endedAtMs === "number")
                            message.endedAtMs = object.endedAtMs;
                        else if (typeof object.endedAtMs === "object")
                            message.endedAtMs = new $util.LongBits(object.endedAtMs.low >>> 0, object.endedAtMs.high >>> 0).toNumber();
                return message;
            };

            /**
             * Creates a plain object from a ToolCall message. Also converts values to other types if specified.
             * @function toObject
             * @memberof officeos.v1.ToolCall
             * @static
             * @param {officeos.v1.ToolCall} message ToolCall
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            ToolCall.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.id = "";
                    object.name = "";
                    object["arguments"] = "";
                    object.result = "";
                    object.status = "";
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.startedAtMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.startedAtMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.endedAtMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.endedAtMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                }
                if (message.id != null && $Object.hasOwnProperty.call(message, "id"))
                    object.id = message.id;
                if (message.name != null && $Object.hasOwnProperty.call(message, "name"))
                    object.name = message.name;
                if (message["arguments"] != null && $Object.hasOwnProperty.call(message, "arguments"))
                    object["arguments"] = message["arguments"];
                if (message.result != null && $Object.hasOwnProperty.call(message, "result"))
                    object.result = message.result;
                if (message.status != null && $Object.hasOwnProperty.call(message, "status"))
                    object.status = message.status;
                if (message.startedAtMs != null && $Object.hasOwnProperty.call(message, "startedAtMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.startedAtMs = typeof message.startedAtMs === "number" ? $BigInt(message.startedAtMs) : $util.Long.fromBits(message.startedAtMs.low >>> 0, message.startedAtMs.high >>> 0, false).toBigInt();
                    else if (typeof message.startedAtMs === "number")
                        object.startedAtMs = options.longs === $String ? $String(message.startedAtMs) : message.startedAtMs;
                    else
                        object.startedAtMs = options.longs === $String ? $util.Long.prototype.toString.call(message.startedAtMs) : options.longs === $Number ? new $util.LongBits(message.startedAtMs.low >>> 0, message.startedAtMs.high >>> 0).toNumber() : message.startedAtMs;
                if (message.endedAtMs != null && $Object.hasOwnProperty.call(message, "endedAtMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.endedAtMs = typeof message.endedAtMs === "number" ? $BigInt(message.endedAtMs) : $util.Long.fromBits(message.endedAtMs.low >>> 0, message.endedAtMs.high >>> 0, false).toBigInt();
                    else if (typeof message.endedAtMs === "number")
                        object.endedAtMs = options.longs === $String ? $String(message.endedAtMs) : message.endedAtMs;
                    else
                        object.endedAtMs = options.longs === $String ? $util.Long.prototype.toString.call(message.endedAtMs) : options.longs === $Number ? new $util.LongBits(message.endedAtMs.low >>> 0, message.endedAtMs.high >>> 0).toNumber() : message.endedAtMs;
                return object;
            };

            /**
             * Converts this ToolCall to JSON.
             * @function toJSON
             * @memberof officeos.v1.ToolCall
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            ToolCall.prototype.toJSON = function() {
                return ToolCall.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for ToolCall
             * @function getTypeUrl
             * @memberof officeos.v1.ToolCall
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            ToolCall.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/officeos.v1.ToolCall";
            };

            return ToolCall;
        })();

        v1.Cursor = (function() {

            /**
             * Properties of a Cursor.
             * @typedef {Object} officeos.v1.Cursor.$Properties
             * @property {number|null} [step] Cursor step
             * @property {number|null} [subStep] Cursor subStep
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a Cursor.
             * @memberof officeos.v1
             * @interface ICursor
             * @augments officeos.v1.Cursor.$Properties
             * @deprecated Use officeos.v1.Cursor.$Properties instead.
             */

            /**
             * Shape of a Cursor.
             * @typedef {officeos.v1.Cursor.$Properties} officeos.v1.Cursor.$Shape
             */

            /**
             * Constructs a new Cursor.
             * @memberof officeos.v1
             * @classdesc Represents a Cursor.
             * @constructor
             * @param {officeos.v1.Cursor.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const Cursor = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * Cursor step.
             * @member {number} step
             * @memberof officeos.v1.Cursor
             * @instance
             */
            Cursor.prototype.step = 0;

            /**
             * Cursor subStep.
             * @member {number} subStep
             * @memberof officeos.v1.Cursor
             * @instance
             */
            Cursor.prototype.subStep = 0;

            /**
             * Encodes the specified Cursor message. Does not implicitly {@link officeos.v1.Cursor.verify|verify} messages.
             * @function encode
             * @memberof officeos.v1.Cursor
             * @static
             * @param {officeos.v1.Cursor.$Properties} message Cursor message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            Cursor.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.step != null && $Object.hasOwnProperty.call(message, "step") && message.step !== 0)
                    writer.uint32(/* id 1, wireType 0 =*/8).uint32(message.step);
                if (message.subStep != null && $Object.hasOwnProperty.call(message, "subStep") && message.subStep !== 0)
                    writer.uint32(/* id 2, wireType 0 =*/16).uint32(message.subStep);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a Cursor message from the specified reader or buffer.
             * @function decode
             * @memberof officeos.v1.Cursor
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {officeos.v1.Cursor & officeos.v1.Cursor.$Shape} Cursor
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            Cursor.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.officeos.v1.Cursor();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.step = value;
                            else
                                delete message.step;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.uint32())
                                message.subStep = value;
                            else
                                delete message.subStep;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Creates a Cursor message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof officeos.v1.Cursor
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {officeos.v1.Cursor} Cursor
             */
            Cursor.fromObject = function (object, _depth) {
                if (object instanceof $root.officeos.v1.Cursor)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".officeos.v1.Cursor: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.officeos.v1.Cursor();
                if (object.step != null)
                    if ($Number(object.step) !== 0)
                        message.step = object.step >>> 0;
                if (object.subStep != null)
                    if ($Number(object.subStep) !== 0)
                        message.subStep = object.subStep >>> 0;
                return message;
            };

            /**
             * Creates a plain object from a Cursor message. Also converts values to other types if specified.
             * @function toObject
             * @memberof officeos.v1.Cursor
             * @static
             * @param {officeos.v1.Cursor} message Cursor
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            Cursor.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    object.step = 0;
                    object.subStep = 0;
                }
                if (message.step != null && $Object.hasOwnProperty.call(message, "step"))
                    object.step = message.step;
                if (message.subStep != null && $Object.hasOwnProperty.call(message, "subStep"))
                    object.subStep = message.subStep;
                return object;
            };

            /**
             * Converts this Cursor to JSON.
             * @function toJSON
             * @memberof officeos.v1.Cursor
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            Cursor.prototype.toJSON = function() {
                return Cursor.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for Cursor
             * @function getTypeUrl
             * @memberof officeos.v1.Cursor
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            Cursor.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/officeos.v1.Cursor";
            };

            return Cursor;
        })();

        v1.AgentState = (function() {

            /**
             * Properties of an AgentState.
             * @typedef {Object} officeos.v1.AgentState.$Properties
             * @property {Array.<officeos.v1.Message.$Properties>|null} [messages] AgentState messages
             * @property {Array.<officeos.v1.ToolCall.$Properties>|null} [toolCalls] AgentState toolCalls
             * @property {string|null} [reasoning] AgentState reasoning
             * @property {officeos.v1.Cursor.$Properties|null} [cursor] AgentState cursor
             * @property {Uint8Array|null} [appStateBytes] AgentState appStateBytes
             * @property {string|null} [appStateJson] AgentState appStateJson
             * @property {Object.<string,string>|null} [metadata] AgentState metadata
             * @property {"appStateBytes"|"appStateJson"} [appState] AgentState appState
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an AgentState.
             * @memberof officeos.v1
             * @interface IAgentState
             * @augments officeos.v1.AgentState.$Properties
             * @deprecated Use officeos.v1.AgentState.$Properties instead.
             */

            /**
             * Narrowed shape of an AgentState.
             * @typedef {{
             *   messages?: Array.<officeos.v1.Message.$Shape>|null;
             *   toolCalls?: Array.<officeos.v1.ToolCall.$Shape>|null;
             *   reasoning?: string|null;
             *   cursor?: officeos.v1.Cursor.$Shape|null;
             *   appStateBytes?: Uint8Array|null;
             *   appStateJson?: string|null;
             *   metadata?: Object.<string,string>|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ appState?: undefined; appStateBytes?: null; appStateJson?: null }|{ appState?: "appStateBytes"; appStateBytes: Uint8Array; appStateJson?: null }|{ appState?: "appStateJson"; appStateBytes?: null; appStateJson: string })
             * )} officeos.v1.AgentState.$Shape
             */

            /**
             * Constructs a new AgentState.
             * @memberof officeos.v1
             * @classdesc Represents an AgentState.
             * @constructor
             * @param {officeos.v1.AgentState.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const AgentState = function (properties) {
                this.messages = [];
                this.toolCalls = [];
                this.metadata = {};
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * AgentState messages.
             * @member {Array.<officeos.v1.Message.$Properties>} messages
             * @memberof officeos.v1.AgentState
             * @instance
             */
            AgentState.prototype.messages = $util.emptyArray;

            /**
             * AgentState toolCalls.
             * @member {Array.<officeos.v1.ToolCall.$Properties>} toolCalls
             * @memberof officeos.v1.AgentState
             * @instance
             */
            AgentState.prototype.toolCalls = $util.emptyArray;

            /**
             * AgentState reasoning.
             * @member {string} reasoning
             * @memberof officeos.v1.AgentState
             * @instance
             */
            AgentState.prototype.reasoning = "";

            /**
             * AgentState cursor.
             * @member {officeos.v1.Cursor.$Properties|null|undefined} cursor
             * @memberof officeos.v1.AgentState
             * @instance
             */
            AgentState.prototype.cursor = null;

            /**
             * AgentState appStateBytes.
             * @member {Uint8Array|null|undefined} appStateBytes
             * @memberof officeos.v1.AgentState
             * @instance
             */
            AgentState.prototype.appStateBytes = null;

            /**
             * AgentState appStateJson.
             * @member {string|null|undefined} appStateJson
             * @memberof officeos.v1.AgentState
             * @instance
             */
            AgentState.prototype.appStateJson = null;

            /**
             * AgentState metadata.
             * @member {Object.<string,string>} metadata
             * @memberof officeos.v1.AgentState
             * @instance
             */
            AgentState.prototype.metadata = $util.emptyObject;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * AgentState appState.
             * @member {"appStateBytes"|"appStateJson"|undefined} appState
             * @memberof officeos.v1.AgentState
             * @instance
             */
            $Object.defineProperty(AgentState.prototype, "appState", {
                get: $util.oneOfGetter($oneOfFields = ["appStateBytes", "appStateJson"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Encodes the specified AgentState message. Does not implicitly {@link officeos.v1.AgentState.verify|verify} messages.
             * @function encode
             * @memberof officeos.v1.AgentState
             * @static
             * @param {officeos.v1.AgentState.$Properties} message AgentState message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            AgentState.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.messages != null && message.messages.length)
                    for (let i = 0; i < message.messages.length; ++i)
                        $root.officeos.v1.Message.encode(message.messages[i], writer.uint32(/* id 1, wireType 2 =*/10).fork(), _depth + 1).ldelim();
                if (message.toolCalls != null && message.toolCalls.length)
                    for (let i = 0; i < message.toolCalls.length; ++i)
                        $root.officeos.v1.ToolCall.encode(message.toolCalls[i], writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.reasoning != null && $Object.hasOwnProperty.call(message, "reasoning") && message.reasoning !== "")
                    writer.uint32(/* id 3, wireType 2 =*/26).string(message.reasoning);
                if (message.cursor != null && $Object.hasOwnProperty.call(message, "cursor"))
                    $root.officeos.v1.Cursor.encode(message.cursor, writer.uint32(/* id 4, wireType 2 =*/34).fork(), _depth + 1).ldelim();
                if (message.appStateBytes != null && $Object.hasOwnProperty.call(message, "appStateBytes"))
                    writer.uint32(/* id 5, wireType 2 =*/42).bytes(message.appStateBytes);
                if (message.appStateJson != null && $Object.hasOwnProperty.call(message, "appStateJson"))
                    writer.uint32(/* id 6, wireType 2 =*/50).string(message.appStateJson);
                if (message.metadata != null && $Object.hasOwnProperty.call(message, "metadata"))
                    for (let keys = $Object.keys(message.metadata), i = 0; i < keys.length; ++i)
                        writer.uint32(/* id 7, wireType 2 =*/58).fork().uint32(/* id 1, wireType 2 =*/10).string(keys[i]).uint32(/* id 2, wireType 2 =*/18).string(message.metadata[keys[i]]).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an AgentState message from the specified reader or buffer.
             * @function decode
             * @memberof officeos.v1.AgentState
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {officeos.v1.AgentState & officeos.v1.AgentState.$Shape} AgentState
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            AgentState.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, key, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.officeos.v1.AgentState();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            if (!(message.messages && message.messages.length))
                                message.messages = [];
                            message.messages.push($root.officeos.v1.Message.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if (!(message.toolCalls && message.toolCalls.length))
                                message.toolCalls = [];
                            message.toolCalls.push($root.officeos.v1.ToolCall.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.reasoning = value;
                            else
                                delete message.reasoning;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            message.cursor = $root.officeos.v1.Cursor.decode(reader, reader.size(), $undefined, _depth + 1, message.cursor);
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.appStateBytes = reader.bytes();
                            message.appState = "appStateBytes";
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.appStateJson = reader.stringVerify();
                            message.appState = "appStateJson";
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            if (message.metadata === $util.emptyObject)
                                message.metadata = {};
                            let end2 = reader.size() + reader.pos;
                            if (end2 > reader.len)
                                throw $RangeError("index out of range");
                            reader.len = end2;
                            key = "";
                            value = "";
                            while (reader.pos < end2) {
                                let tag2 = reader.tag();
                                wireType = tag2 & 7;
                                switch (tag2 >>>= 3) {
                                case 1:
                                    if (wireType !== 2)
                                        break;
                                    key = reader.stringVerify();
                                    continue;
                                case 2:
                                    if (wireType !== 2)
                                        break;
                                    value = reader.stringVerify();
                                    continue;
                                }
                                reader.skipType(wireType, _depth, tag2);
                            }
                            if (reader.pos !== end2)
                                throw $RangeError("index out of range");
                            reader.len = end;
                            if (key === "__proto__")
                                $util.makeProp(message.metadata, key);
                            message.metadata[key] = value;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Creates an AgentState message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof officeos.v1.AgentState
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {officeos.v1.AgentState} AgentState
             */
            AgentState.fromObject = function (object, _depth) {
                if (object instanceof $root.officeos.v1.AgentState)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".officeos.v1.AgentState: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.officeos.v1.AgentState();
                if (object.messages) {
                    if (!$Array.isArray(object.messages))
                        throw $TypeError(".officeos.v1.AgentState.messages: array expected");
                    message.messages = $Array(object.messages.length);
                    for (let i = 0; i < object.messages.length; ++i) {
                        if (!$util.isObject(object.messages[i]))
                            throw $TypeError(".officeos.v1.AgentState.messages: object expected");
                        message.messages[i] = $root.officeos.v1.Message.fromObject(object.messages[i], _depth + 1);
                    }
                }
                if (object.toolCalls) {
                    if (!$Array.isArray(object.toolCalls))
                        throw $TypeError(".officeos.v1.AgentState.toolCalls: array expected");
                    message.toolCalls = $Array(object.toolCalls.length);
                    for (let i = 0; i < object.toolCalls.length; ++i) {
                        if (!$util.isObject(object.toolCalls[i]))
                            throw $TypeError(".officeos.v1.AgentState.toolCalls: object expected");
                        message.toolCalls[i] = $root.officeos.v1.ToolCall.fromObject(object.toolCalls[i], _depth + 1);
                    }
                }
                if (object.reasoning != null)
                    if (typeof object.reasoning !== "string" || object.reasoning.length)
                        message.reasoning = $String(object.reasoning);
                if (object.cursor != null) {
                    if (!$util.isObject(object.cursor))
                        throw $TypeError(".officeos.v1.AgentState.cursor: object expected");
                    message.cursor = $root.officeos.v1.Cursor.fromObject(object.cursor, _depth + 1);
                }
                if (object.appStateBytes != null)
                    if (typeof object.appStateBytes === "string")
                        $util.base64.decode(object.appStateBytes, message.appStateBytes = $util.newBuffer($util.base64.length(object.appStateBytes)), 0);
                    else if (object.appStateBytes.length >= 0)
                        message.appStateBytes = object.appStateBytes;
                if (object.appStateJson != null)
                    message.appStateJson = $String(object.appStateJson);
                if (object.metadata) {
                    if (!$util.isObject(object.metadata))
                        throw $TypeError(".officeos.v1.AgentState.metadata: object expected");
                    message.metadata = {};
                    for (let keys = $Object.keys(object.metadata), i = 0; i < keys.length; ++i) {
                        if (keys[i] === "__proto__")
                            $util.makeProp(message.metadata, keys[i]);
                        message.metadata[keys[i]] = $String(object.metadata[keys[i]]);
                    }
                }
                return message;
            };

            /**
             * Creates a plain object from an AgentState message. Also converts values to other types if specified.
             * @function toObject
             * @memberof officeos.v1.AgentState
             * @static
             * @param {officeos.v1.AgentState} message AgentState
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            AgentState.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.arrays || options.defaults) {
                    object.messages = [];
                    object.toolCalls = [];
                }
                if (options.objects || options.defaults)
                    object.metadata = {};
                if (options.defaults) {
                    object.reasoning = "";
                    object.cursor = null;
                }
                if (message.messages && message.messages.length) {
                    object.messages = $Array(message.messages.length);
                    for (let j = 0; j < message.messages.length; ++j)
                        object.messages[j] = $root.officeos.v1.Message.toObject(message.messages[j], options, _depth + 1);
                }
                if (message.toolCalls && message.toolCalls.length) {
                    object.toolCalls = $Array(message.toolCalls.length);
                    for (let j = 0; j < message.toolCalls.length; ++j)
                        object.toolCalls[j] = $root.officeos.v1.ToolCall.toObject(message.toolCalls[j], options, _depth + 1);
                }
                if (message.reasoning != null && $Object.hasOwnProperty.call(message, "reasoning"))
                    object.reasoning = message.reasoning;
                if (message.cursor != null && $Object.hasOwnProperty.call(message, "cursor"))
                    object.cursor = $root.officeos.v1.Cursor.toObject(message.cursor, options, _depth + 1);
                if (message.appStateBytes != null && $Object.hasOwnProperty.call(message, "appStateBytes")) {
                    object.appStateBytes = options.bytes === $String ? $util.base64.encode(message.appStateBytes, 0, message.appStateBytes.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.appStateBytes) : message.appStateBytes;
                    if (options.oneofs)
                        object.appState = "appStateBytes";
                }
                if (message.appStateJson != null && $Object.hasOwnProperty.call(message, "appStateJson")) {
                    object.appStateJson = message.appStateJson;
                    if (options.oneofs)
                        object.appState = "appStateJson";
                }
                let keys2;
                if (message.metadata && (keys2 = $Object.keys(message.metadata)).length) {
                    object.metadata = {};
                    for (let j = 0; j < keys2.length; ++j) {
                        if (keys2[j] === "__proto__")
                            $util.makeProp(object.metadata, keys2[j]);
                        object.metadata[keys2[j]] = message.metadata[keys2[j]];
                    }
                }
                return object;
            };

            /**
             * Converts this AgentState to JSON.
             * @function toJSON
             * @memberof officeos.v1.AgentState
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            AgentState.prototype.toJSON = function() {
                return AgentState.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for AgentState
             * @function getTypeUrl
             * @memberof officeos.v1.AgentState
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            AgentState.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/officeos.v1.AgentState";
            };

            return AgentState;
        })();

        v1.AgentCheckpoint = (function() {

            /**
             * Properties of an AgentCheckpoint.
             * @typedef {Object} officeos.v1.AgentCheckpoint.$Properties
             * @property {number|null} [seq] AgentCheckpoint seq
             * @property {string|null} [taskId] AgentCheckpoint taskId
             * @property {number|null} [epoch] AgentCheckpoint epoch
             * @property {number|null} [createdAtMs] AgentCheckpoint createdAtMs
             * @property {officeos.v1.AgentState.$Properties|null} [state] AgentCheckpoint state
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an AgentCheckpoint.
             * @memberof officeos.v1
             * @interface IAgentCheckpoint
             * @augments officeos.v1.AgentCheckpoint.$Properties
             * @deprecated Use officeos.v1.AgentCheckpoint.$Properties instead.
             */

            /**
             * Shape of an AgentCheckpoint.
             * @typedef {{
             *   seq?: number|null;
             *   taskId?: string|null;
             *   epoch?: number|null;
             *   createdAtMs?: number|null;
             *   state?: officeos.v1.AgentState.$Shape|null;
             *   $unknowns?: Array.<Uint8Array>;
             * }} officeos.v1.AgentCheckpoint.$Shape
             */

            /**
             * Constructs a new AgentCheckpoint.
             * @memberof officeos.v1
             * @classdesc Represents an AgentCheckpoint.
             * @constructor
             * @param {officeos.v1.AgentCheckpoint.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const AgentCheckpoint = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * AgentCheckpoint seq.
             * @member {number} seq
             * @memberof officeos.v1.AgentCheckpoint
             * @instance
             */
            AgentCheckpoint.prototype.seq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * AgentCheckpoint taskId.
             * @member {string} taskId
             * @memberof officeos.v1.AgentCheckpoint
             * @instance
             */
            AgentCheckpoint.prototype.taskId = "";

            /**
             * AgentCheckpoint epoch.
             * @member {number} epoch
             * @memberof officeos.v1.AgentCheckpoint
             * @instance
             */
            AgentCheckpoint.prototype.epoch = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * AgentCheckpoint createdAtMs.
             * @member {number} createdAtMs
             * @memberof officeos.v1.AgentCheckpoint
             * @instance
             */
            AgentCheckpoint.prototype.createdAtMs = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            /**
             * AgentCheckpoint state.
             * @member {officeos.v1.AgentState.$Properties|null|undefined} state
             * @memberof officeos.v1.AgentCheckpoint
             * @instance
             */
            AgentCheckpoint.prototype.state = null;

            /**
             * Encodes the specified AgentCheckpoint message. Does not implicitly {@link officeos.v1.AgentCheckpoint.verify|verify} messages.
             * @function encode
             * @memberof officeos.v1.AgentCheckpoint
             * @static
             * @param {officeos.v1.AgentCheckpoint.$Properties} message AgentCheckpoint message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            AgentCheckpoint.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.seq != null && $Object.hasOwnProperty.call(message, "seq") && (typeof message.seq === "object" ? message.seq.low || message.seq.high : message.seq !== 0))
                    writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.seq);
                if (message.taskId != null && $Object.hasOwnProperty.call(message, "taskId") && message.taskId !== "")
                    writer.uint32(/* id 2, wireType 2 =*/18).string(message.taskId);
                if (message.epoch != null && $Object.hasOwnProperty.call(message, "epoch") && (typeof message.epoch === "object" ? message.epoch.low || message.epoch.high : message.epoch !== 0))
                    writer.uint32(/* id 3, wireType 0 =*/24).uint64(message.epoch);
                if (message.createdAtMs != null && $Object.hasOwnProperty.call(message, "createdAtMs") && (typeof message.createdAtMs === "object" ? message.createdAtMs.low || message.createdAtMs.high : message.createdAtMs !== 0))
                    writer.uint32(/* id 4, wireType 0 =*/32).int64(message.createdAtMs);
                if (message.state != null && $Object.hasOwnProperty.call(message, "state"))
                    $root.officeos.v1.AgentState.encode(message.state, writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes an AgentCheckpoint message from the specified reader or buffer.
             * @function decode
             * @memberof officeos.v1.AgentCheckpoint
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {officeos.v1.AgentCheckpoint & officeos.v1.AgentCheckpoint.$Shape} AgentCheckpoint
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            AgentCheckpoint.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.officeos.v1.AgentCheckpoint();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.seq = value;
                            else
                                delete message.seq;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.taskId = value;
                            else
                                delete message.taskId;
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.epoch = value;
                            else
                                delete message.epoch;
                            continue;
                        }
                    case 4: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.int64()) === "object" ? value.low || value.high : value !== 0)
                                message.createdAtMs = value;
                            else
                                delete message.createdAtMs;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.state = $root.officeos.v1.AgentState.decode(reader, reader.size(), $undefined, _depth + 1, message.state);
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Creates an AgentCheckpoint message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof officeos.v1.AgentCheckpoint
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {officeos.v1.AgentCheckpoint} AgentCheckpoint
             */
            AgentCheckpoint.fromObject = function (object, _depth) {
                if (object instanceof $root.officeos.v1.AgentCheckpoint)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".officeos.v1.AgentCheckpoint: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.officeos.v1.AgentCheckpoint();
                if (object.seq != null)
                    if (typeof object.seq === "object" ? object.seq.low || object.seq.high : $Number(object.seq) !== 0)
                        if ($util.Long)
                            message.seq = $util.Long.fromValue(object.seq, true);
                        else if (typeof object.seq === "string")
                            message.seq = $parseInt(object.seq, 10);
                        else if (typeof object.seq === "number")
                            message.seq = object.seq;
                        else if (typeof object.seq === "object")
                            message.seq = new $util.LongBits(object.seq.low >>> 0, object.seq.high >>> 0).toNumber(true);
                if (object.taskId != null)
                    if (typeof object.taskId !== "string" || object.taskId.length)
                        message.taskId = $String(object.taskId);
                if (object.epoch != null)
                    if (typeof object.epoch === "object" ? object.epoch.low || object.epoch.high : $Number(object.epoch) !== 0)
                        if ($util.Long)
                            message.epoch = $util.Long.fromValue(object.epoch, true);
                        else if (typeof object.epoch === "string")
                            message.epoch = $parseInt(object.epoch, 10);
                        else if (typeof object.epoch === "number")
                            message.epoch = object.epoch;
                        else if (typeof object.epoch === "object")
                            message.epoch = new $util.LongBits(object.epoch.low >>> 0, object.epoch.high >>> 0).toNumber(true);
                if (object.createdAtMs != null)
                    if (typeof object.createdAtMs === "object" ? object.createdAtMs.low || object.createdAtMs.high : $Number(object.createdAtMs) !== 0)
                        if ($util.Long)
                            message.createdAtMs = $util.Long.fromValue(object.createdAtMs, false);
                        else if (typeof object.createdAtMs === "string")
                            message.createdAtMs = $parseInt(object.createdAtMs, 10);
                        else if (typeof object.createdAtMs === "number")
                            message.createdAtMs = object.createdAtMs;
                        else if (typeof object.createdAtMs === "object")
                            message.createdAtMs = new $util.LongBits(object.createdAtMs.low >>> 0, object.createdAtMs.high >>> 0).toNumber();
                if (object.state != null) {
                    if (!$util.isObject(object.state))
                        throw $TypeError(".officeos.v1.AgentCheckpoint.state: object expected");
                    message.state = $root.officeos.v1.AgentState.fromObject(object.state, _depth + 1);
                }
                return message;
            };

            /**
             * Creates a plain object from an AgentCheckpoint message. Also converts values to other types if specified.
             * @function toObject
             * @memberof officeos.v1.AgentCheckpoint
             * @static
             * @param {officeos.v1.AgentCheckpoint} message AgentCheckpoint
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            AgentCheckpoint.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.defaults) {
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.seq = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.seq = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    object.taskId = "";
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.epoch = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.epoch = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, false);
                        object.createdAtMs = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.createdAtMs = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    object.state = null;
                }
                if (message.seq != null && $Object.hasOwnProperty.call(message, "seq"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.seq = typeof message.seq === "number" ? $BigInt(message.seq) : $util.Long.fromBits(message.seq.low >>> 0, message.seq.high >>> 0, true).toBigInt();
                    else if (typeof message.seq === "number")
                        object.seq = options.longs === $String ? $String(message.seq) : message.seq;
                    else
                        object.seq = options.longs === $String ? $util.Long.prototype.toString.call(message.seq) : options.longs === $Number ? new $util.LongBits(message.seq.low >>> 0, message.seq.high >>> 0).toNumber(true) : message.seq;
                if (message.taskId != null && $Object.hasOwnProperty.call(message, "taskId"))
                    object.taskId = message.taskId;
                if (message.epoch != null && $Object.hasOwnProperty.call(message, "epoch"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.epoch = typeof message.epoch === "number" ? $BigInt(message.epoch) : $util.Long.fromBits(message.epoch.low >>> 0, message.epoch.high >>> 0, true).toBigInt();
                    else if (typeof message.epoch === "number")
                        object.epoch = options.longs === $String ? $String(message.epoch) : message.epoch;
                    else
                        object.epoch = options.longs === $String ? $util.Long.prototype.toString.call(message.epoch) : options.longs === $Number ? new $util.LongBits(message.epoch.low >>> 0, message.epoch.high >>> 0).toNumber(true) : message.epoch;
                if (message.createdAtMs != null && $Object.hasOwnProperty.call(message, "createdAtMs"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.createdAtMs = typeof message.createdAtMs === "number" ? $BigInt(message.createdAtMs) : $util.Long.fromBits(message.createdAtMs.low >>> 0, message.createdAtMs.high >>> 0, false).toBigInt();
                    else if (typeof message.createdAtMs === "number")
                        object.createdAtMs = options.longs === $String ? $String(message.createdAtMs) : message.createdAtMs;
                    else
                        object.createdAtMs = options.longs === $String ? $util.Long.prototype.toString.call(message.createdAtMs) : options.longs === $Number ? new $util.LongBits(message.createdAtMs.low >>> 0, message.createdAtMs.high >>> 0).toNumber() : message.createdAtMs;
                if (message.state != null && $Object.hasOwnProperty.call(message, "state"))
                    object.state = $root.officeos.v1.AgentState.toObject(message.state, options, _depth + 1);
                return object;
            };

            /**
             * Converts this AgentCheckpoint to JSON.
             * @function toJSON
             * @memberof officeos.v1.AgentCheckpoint
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            AgentCheckpoint.prototype.toJSON = function() {
                return AgentCheckpoint.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for AgentCheckpoint
             * @function getTypeUrl
             * @memberof officeos.v1.AgentCheckpoint
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            AgentCheckpoint.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/officeos.v1.AgentCheckpoint";
            };

            return AgentCheckpoint;
        })();

        v1.StateDelta = (function() {

            /**
             * Properties of a StateDelta.
             * @typedef {Object} officeos.v1.StateDelta.$Properties
             * @property {number|null} [baseSeq] StateDelta baseSeq
             * @property {Array.<officeos.v1.Message.$Properties>|null} [messages] StateDelta messages
             * @property {Array.<officeos.v1.ToolCall.$Properties>|null} [toolCalls] StateDelta toolCalls
             * @property {string|null} [reasoning] StateDelta reasoning
             * @property {officeos.v1.Cursor.$Properties|null} [cursor] StateDelta cursor
             * @property {Uint8Array|null} [appStateBytes] StateDelta appStateBytes
             * @property {string|null} [appStateJson] StateDelta appStateJson
             * @property {Object.<string,string>|null} [metadata] StateDelta metadata
             * @property {boolean|null} [metadataSet] StateDelta metadataSet
             * @property {"appStateBytes"|"appStateJson"} [appState] StateDelta appState
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a StateDelta.
             * @memberof officeos.v1
             * @interface IStateDelta
             * @augments officeos.v1.StateDelta.$Properties
             * @deprecated Use officeos.v1.StateDelta.$Properties instead.
             */

            /**
             * Narrowed shape of a StateDelta.
             * @typedef {{
             *   baseSeq?: number|null;
             *   messages?: Array.<officeos.v1.Message.$Shape>|null;
             *   toolCalls?: Array.<officeos.v1.ToolCall.$Shape>|null;
             *   reasoning?: string|null;
             *   cursor?: officeos.v1.Cursor.$Shape|null;
             *   appStateBytes?: Uint8Array|null;
             *   appStateJson?: string|null;
             *   metadata?: Object.<string,string>|null;
             *   metadataSet?: boolean|null;
             *   $unknowns?: Array.<Uint8Array>;
             * } & (
             *   ({ appState?: undefined; appStateBytes?: null; appStateJson?: null }|{ appState?: "appStateBytes"; appStateBytes: Uint8Array; appStateJson?: null }|{ appState?: "appStateJson"; appStateBytes?: null; appStateJson: string })
             * )} officeos.v1.StateDelta.$Shape
             */

            /**
             * Constructs a new StateDelta.
             * @memberof officeos.v1
             * @classdesc Represents a StateDelta.
             * @constructor
             * @param {officeos.v1.StateDelta.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const StateDelta = function (properties) {
                this.messages = [];
                this.toolCalls = [];
                this.metadata = {};
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * StateDelta baseSeq.
             * @member {number} baseSeq
             * @memberof officeos.v1.StateDelta
             * @instance
             */
            StateDelta.prototype.baseSeq = $util.Long ? $util.Long.fromBits(0,0,true) : 0;

            /**
             * StateDelta messages.
             * @member {Array.<officeos.v1.Message.$Properties>} messages
             * @memberof officeos.v1.StateDelta
             * @instance
             */
            StateDelta.prototype.messages = $util.emptyArray;

            /**
             * StateDelta toolCalls.
             * @member {Array.<officeos.v1.ToolCall.$Properties>} toolCalls
             * @memberof officeos.v1.StateDelta
             * @instance
             */
            StateDelta.prototype.toolCalls = $util.emptyArray;

            /**
             * StateDelta reasoning.
             * @member {string} reasoning
             * @memberof officeos.v1.StateDelta
             * @instance
             */
            StateDelta.prototype.reasoning = "";

            /**
             * StateDelta cursor.
             * @member {officeos.v1.Cursor.$Properties|null|undefined} cursor
             * @memberof officeos.v1.StateDelta
             * @instance
             */
            StateDelta.prototype.cursor = null;

            /**
             * StateDelta appStateBytes.
             * @member {Uint8Array|null|undefined} appStateBytes
             * @memberof officeos.v1.StateDelta
             * @instance
             */
            StateDelta.prototype.appStateBytes = null;

            /**
             * StateDelta appStateJson.
             * @member {string|null|undefined} appStateJson
             * @memberof officeos.v1.StateDelta
             * @instance
             */
            StateDelta.prototype.appStateJson = null;

            /**
             * StateDelta metadata.
             * @member {Object.<string,string>} metadata
             * @memberof officeos.v1.StateDelta
             * @instance
             */
            StateDelta.prototype.metadata = $util.emptyObject;

            /**
             * StateDelta metadataSet.
             * @member {boolean} metadataSet
             * @memberof officeos.v1.StateDelta
             * @instance
             */
            StateDelta.prototype.metadataSet = false;

            // OneOf field names bound to virtual getters and setters
            let $oneOfFields;

            /**
             * StateDelta appState.
             * @member {"appStateBytes"|"appStateJson"|undefined} appState
             * @memberof officeos.v1.StateDelta
             * @instance
             */
            $Object.defineProperty(StateDelta.prototype, "appState", {
                get: $util.oneOfGetter($oneOfFields = ["appStateBytes", "appStateJson"]),
                set: $util.oneOfSetter($oneOfFields)
            });

            /**
             * Encodes the specified StateDelta message. Does not implicitly {@link officeos.v1.StateDelta.verify|verify} messages.
             * @function encode
             * @memberof officeos.v1.StateDelta
             * @static
             * @param {officeos.v1.StateDelta.$Properties} message StateDelta message or plain object to encode
             * @param {$protobuf.Writer} [writer] Writer to encode to
             * @returns {$protobuf.Writer} Writer
             */
            StateDelta.encode = function (message, writer, _depth) {
                if (!writer)
                    writer = $Writer.create();
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                if (message.baseSeq != null && $Object.hasOwnProperty.call(message, "baseSeq") && (typeof message.baseSeq === "object" ? message.baseSeq.low || message.baseSeq.high : message.baseSeq !== 0))
                    writer.uint32(/* id 1, wireType 0 =*/8).uint64(message.baseSeq);
                if (message.messages != null && message.messages.length)
                    for (let i = 0; i < message.messages.length; ++i)
                        $root.officeos.v1.Message.encode(message.messages[i], writer.uint32(/* id 2, wireType 2 =*/18).fork(), _depth + 1).ldelim();
                if (message.toolCalls != null && message.toolCalls.length)
                    for (let i = 0; i < message.toolCalls.length; ++i)
                        $root.officeos.v1.ToolCall.encode(message.toolCalls[i], writer.uint32(/* id 3, wireType 2 =*/26).fork(), _depth + 1).ldelim();
                if (message.reasoning != null && $Object.hasOwnProperty.call(message, "reasoning") && message.reasoning !== "")
                    writer.uint32(/* id 4, wireType 2 =*/34).string(message.reasoning);
                if (message.cursor != null && $Object.hasOwnProperty.call(message, "cursor"))
                    $root.officeos.v1.Cursor.encode(message.cursor, writer.uint32(/* id 5, wireType 2 =*/42).fork(), _depth + 1).ldelim();
                if (message.appStateBytes != null && $Object.hasOwnProperty.call(message, "appStateBytes"))
                    writer.uint32(/* id 6, wireType 2 =*/50).bytes(message.appStateBytes);
                if (message.appStateJson != null && $Object.hasOwnProperty.call(message, "appStateJson"))
                    writer.uint32(/* id 7, wireType 2 =*/58).string(message.appStateJson);
                if (message.metadata != null && $Object.hasOwnProperty.call(message, "metadata"))
                    for (let keys = $Object.keys(message.metadata), i = 0; i < keys.length; ++i)
                        writer.uint32(/* id 8, wireType 2 =*/66).fork().uint32(/* id 1, wireType 2 =*/10).string(keys[i]).uint32(/* id 2, wireType 2 =*/18).string(message.metadata[keys[i]]).ldelim();
                if (message.metadataSet != null && $Object.hasOwnProperty.call(message, "metadataSet") && message.metadataSet !== false)
                    writer.uint32(/* id 9, wireType 0 =*/72).bool(message.metadataSet);
                if (message.$unknowns != null && $Object.hasOwnProperty.call(message, "$unknowns"))
                    for (let i = 0; i < message.$unknowns.length; ++i)
                        writer.raw(message.$unknowns[i]);
                return writer;
            };

            /**
             * Decodes a StateDelta message from the specified reader or buffer.
             * @function decode
             * @memberof officeos.v1.StateDelta
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {officeos.v1.StateDelta & officeos.v1.StateDelta.$Shape} StateDelta
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            StateDelta.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message, key, value;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.officeos.v1.StateDelta();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            if (typeof (value = reader.uint64()) === "object" ? value.low || value.high : value !== 0)
                                message.baseSeq = value;
                            else
                                delete message.baseSeq;
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if (!(message.messages && message.messages.length))
                                message.messages = [];
                            message.messages.push($root.officeos.v1.Message.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 3: {
                            if (wireType !== 2)
                                break;
                            if (!(message.toolCalls && message.toolCalls.length))
                                message.toolCalls = [];
                            message.toolCalls.push($root.officeos.v1.ToolCall.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    case 4: {
                            if (wireType !== 2)
                                break;
                            if ((value = reader.stringVerify()).length)
                                message.reasoning = value;
                            else
                                delete message.reasoning;
                            continue;
                        }
                    case 5: {
                            if (wireType !== 2)
                                break;
                            message.cursor = $root.officeos.v1.Cursor.decode(reader, reader.size(), $undefined, _depth + 1, message.cursor);
                            continue;
                        }
                    case 6: {
                            if (wireType !== 2)
                                break;
                            message.appStateBytes = reader.bytes();
                            message.appState = "appStateBytes";
                            continue;
                        }
                    case 7: {
                            if (wireType !== 2)
                                break;
                            message.appStateJson = reader.stringVerify();
                            message.appState = "appStateJson";
                            continue;
                        }
                    case 8: {
                            if (wireType !== 2)
                                break;
                            if (message.metadata === $util.emptyObject)
                                message.metadata = {};
                            let end2 = reader.size() + reader.pos;
                            if (end2 > reader.len)
                                throw $RangeError("index out of range");
                            reader.len = end2;
                            key = "";
                            value = "";
                            while (reader.pos < end2) {
                                let tag2 = reader.tag();
                                wireType = tag2 & 7;
                                switch (tag2 >>>= 3) {
                                case 1:
                                    if (wireType !== 2)
                                        break;
                                    key = reader.stringVerify();
                                    continue;
                                case 2:
                                    if (wireType !== 2)
                                        break;
                                    value = reader.stringVerify();
                                    continue;
                                }
                                reader.skipType(wireType, _depth, tag2);
                            }
                            if (reader.pos !== end2)
                                throw $RangeError("index out of range");
                            reader.len = end;
                            if (key === "__proto__")
                                $util.makeProp(message.metadata, key);
                            message.metadata[key] = value;
                            continue;
                        }
                    case 9: {
                            if (wireType !== 0)
                                break;
                            if (value = reader.bool())
                                message.metadataSet = value;
                            else
                                delete message.metadataSet;
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            /**
             * Creates a StateDelta message from a plain object. Also converts values to their respective internal types.
             * @function fromObject
             * @memberof officeos.v1.StateDelta
             * @static
             * @param {Object.<string,*>} object Plain object
             * @returns {officeos.v1.StateDelta} StateDelta
             */
            StateDelta.fromObject = function (object, _depth) {
                if (object instanceof $root.officeos.v1.StateDelta)
                    return object;
                if (!$util.isObject(object))
                    throw $TypeError(".officeos.v1.StateDelta: object expected");
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let message = new $root.officeos.v1.StateDelta();
                if (object.baseSeq != null)
                    if (typeof object.baseSeq === "object" ? object.baseSeq.low || object.baseSeq.high : $Number(object.baseSeq) !== 0)
                        if ($util.Long)
                            message.baseSeq = $util.Long.fromValue(object.baseSeq, true);
                        else if (typeof object.baseSeq === "string")
                            message.baseSeq = $parseInt(object.baseSeq, 10);
                        else if (typeof object.baseSeq === "number")
                            message.baseSeq = object.baseSeq;
                        else if (typeof object.baseSeq === "object")
                            message.baseSeq = new $util.LongBits(object.baseSeq.low >>> 0, object.baseSeq.high >>> 0).toNumber(true);
                if (object.messages) {
                    if (!$Array.isArray(object.messages))
                        throw $TypeError(".officeos.v1.StateDelta.messages: array expected");
                    message.messages = $Array(object.messages.length);
                    for (let i = 0; i < object.messages.length; ++i) {
                        if (!$util.isObject(object.messages[i]))
                            throw $TypeError(".officeos.v1.StateDelta.messages: object expected");
                        message.messages[i] = $root.officeos.v1.Message.fromObject(object.messages[i], _depth + 1);
                    }
                }
                if (object.toolCalls) {
                    if (!$Array.isArray(object.toolCalls))
                        throw $TypeError(".officeos.v1.StateDelta.toolCalls: array expected");
                    message.toolCalls = $Array(object.toolCalls.length);
                    for (let i = 0; i < object.toolCalls.length; ++i) {
                        if (!$util.isObject(object.toolCalls[i]))
                            throw $TypeError(".officeos.v1.StateDelta.toolCalls: object expected");
                        message.toolCalls[i] = $root.officeos.v1.ToolCall.fromObject(object.toolCalls[i], _depth + 1);
                    }
                }
                if (object.reasoning != null)
                    if (typeof object.reasoning !== "string" || object.reasoning.length)
                        message.reasoning = $String(object.reasoning);
                if (object.cursor != null) {
                    if (!$util.isObject(object.cursor))
                        throw $TypeError(".officeos.v1.StateDelta.cursor: object expected");
                    message.cursor = $root.officeos.v1.Cursor.fromObject(object.cursor, _depth + 1);
                }
                if (object.appStateBytes != null)
                    if (typeof object.appStateBytes === "string")
                        $util.base64.decode(object.appStateBytes, message.appStateBytes = $util.newBuffer($util.base64.length(object.appStateBytes)), 0);
                    else if (object.appStateBytes.length >= 0)
                        message.appStateBytes = object.appStateBytes;
                if (object.appStateJson != null)
                    message.appStateJson = $String(object.appStateJson);
                if (object.metadata) {
                    if (!$util.isObject(object.metadata))
                        throw $TypeError(".officeos.v1.StateDelta.metadata: object expected");
                    message.metadata = {};
                    for (let keys = $Object.keys(object.metadata), i = 0; i < keys.length; ++i) {
                        if (keys[i] === "__proto__")
                            $util.makeProp(message.metadata, keys[i]);
                        message.metadata[keys[i]] = $String(object.metadata[keys[i]]);
                    }
                }
                if (object.metadataSet != null)
                    if (object.metadataSet)
                        message.metadataSet = $Boolean(object.metadataSet);
                return message;
            };

            /**
             * Creates a plain object from a StateDelta message. Also converts values to other types if specified.
             * @function toObject
             * @memberof officeos.v1.StateDelta
             * @static
             * @param {officeos.v1.StateDelta} message StateDelta
             * @param {$protobuf.IConversionOptions} [options] Conversion options
             * @returns {Object.<string,*>} Plain object
             */
            StateDelta.toObject = function (message, options, _depth) {
                if (!options)
                    options = {};
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $util.recursionLimit)
                    throw $Error("max depth exceeded");
                let object = {};
                if (options.arrays || options.defaults) {
                    object.messages = [];
                    object.toolCalls = [];
                }
                if (options.objects || options.defaults)
                    object.metadata = {};
                if (options.defaults) {
                    if ($util.Long) {
                        let long = new $util.Long(0, 0, true);
                        object.baseSeq = options.longs === $String ? long.toString() : options.longs === $Number ? long.toNumber() : typeof $BigInt !== "undefined" && options.longs === $BigInt ? long.toBigInt() : long;
                    } else
                        object.baseSeq = options.longs === $String ? "0" : typeof $BigInt !== "undefined" && options.longs === $BigInt ? $BigInt("0") : 0;
                    object.reasoning = "";
                    object.cursor = null;
                    object.metadataSet = false;
                }
                if (message.baseSeq != null && $Object.hasOwnProperty.call(message, "baseSeq"))
                    if (typeof $BigInt !== "undefined" && options.longs === $BigInt)
                        object.baseSeq = typeof message.baseSeq === "number" ? $BigInt(message.baseSeq) : $util.Long.fromBits(message.baseSeq.low >>> 0, message.baseSeq.high >>> 0, true).toBigInt();
                    else if (typeof message.baseSeq === "number")
                        object.baseSeq = options.longs === $String ? $String(message.baseSeq) : message.baseSeq;
                    else
                        object.baseSeq = options.longs === $String ? $util.Long.prototype.toString.call(message.baseSeq) : options.longs === $Number ? new $util.LongBits(message.baseSeq.low >>> 0, message.baseSeq.high >>> 0).toNumber(true) : message.baseSeq;
                if (message.messages && message.messages.length) {
                    object.messages = $Array(message.messages.length);
                    for (let j = 0; j < message.messages.length; ++j)
                        object.messages[j] = $root.officeos.v1.Message.toObject(message.messages[j], options, _depth + 1);
                }
                if (message.toolCalls && message.toolCalls.length) {
                    object.toolCalls = $Array(message.toolCalls.length);
                    for (let j = 0; j < message.toolCalls.length; ++j)
                        object.toolCalls[j] = $root.officeos.v1.ToolCall.toObject(message.toolCalls[j], options, _depth + 1);
                }
                if (message.reasoning != null && $Object.hasOwnProperty.call(message, "reasoning"))
                    object.reasoning = message.reasoning;
                if (message.cursor != null && $Object.hasOwnProperty.call(message, "cursor"))
                    object.cursor = $root.officeos.v1.Cursor.toObject(message.cursor, options, _depth + 1);
                if (message.appStateBytes != null && $Object.hasOwnProperty.call(message, "appStateBytes")) {
                    object.appStateBytes = options.bytes === $String ? $util.base64.encode(message.appStateBytes, 0, message.appStateBytes.length) : options.bytes === $Array ? $Array.prototype.slice.call(message.appStateBytes) : message.appStateBytes;
                    if (options.oneofs)
                        object.appState = "appStateBytes";
                }
                if (message.appStateJson != null && $Object.hasOwnProperty.call(message, "appStateJson")) {
                    object.appStateJson = message.appStateJson;
                    if (options.oneofs)
                        object.appState = "appStateJson";
                }
                let keys2;
                if (message.metadata && (keys2 = $Object.keys(message.metadata)).length) {
                    object.metadata = {};
                    for (let j = 0; j < keys2.length; ++j) {
                        if (keys2[j] === "__proto__")
                            $util.makeProp(object.metadata, keys2[j]);
                        object.metadata[keys2[j]] = message.metadata[keys2[j]];
                    }
                }
                if (message.metadataSet != null && $Object.hasOwnProperty.call(message, "metadataSet"))
                    object.metadataSet = message.metadataSet;
                return object;
            };

            /**
             * Converts this StateDelta to JSON.
             * @function toJSON
             * @memberof officeos.v1.StateDelta
             * @instance
             * @returns {Object.<string,*>} JSON object
             */
            StateDelta.prototype.toJSON = function() {
                return StateDelta.toObject(this, $protobuf.util.toJSONOptions);
            };

            /**
             * Gets the type url for StateDelta
             * @function getTypeUrl
             * @memberof officeos.v1.StateDelta
             * @static
             * @param {string} [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns {string} The type url
             */
            StateDelta.getTypeUrl = function(prefix) {
                if (prefix === $undefined)
                    prefix = "type.googleapis.com";
                return prefix + "/officeos.v1.StateDelta";
            };

            return StateDelta;
        })();

        return v1;
    })();

    return officeos;
})();

export {
  $root as default
};
