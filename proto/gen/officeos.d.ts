import * as $protobuf from "protobufjs";
import Long = require("long");

/** Namespace officeos. */
export namespace officeos {

    /** Namespace v1. */
    namespace v1 {

        /**
         * Properties of a Message.
         * @deprecated Use officeos.v1.Message.$Properties instead.
         */
        interface IMessage extends officeos.v1.Message.$Properties {
        }

        /** Represents a Message. */
        class Message {

            /**
             * Constructs a new Message.
             * @param [properties] Properties to set
             */
            constructor(properties?: officeos.v1.Message.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Message role. */
            role: string;

            /** Message content. */
            content: string;

            /** Message name. */
            name: string;

            /** Message toolCallId. */
            toolCallId: string;

            /**
             * Encodes the specified Message message. Does not implicitly {@link officeos.v1.Message.verify|verify} messages.
             * @param message Message message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: officeos.v1.Message.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Message message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {officeos.v1.Message & officeos.v1.Message.$Shape} Message
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): officeos.v1.Message & officeos.v1.Message.$Shape;

            /**
             * Creates a Message message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns Message
             */
            static fromObject(object: { [k: string]: any }): officeos.v1.Message;

            /**
             * Creates a plain object from a Message message. Also converts values to other types if specified.
             * @param message Message
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: officeos.v1.Message, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this Message to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };

            /**
             * Gets the type url for Message
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Message {

            /** Properties of a Message. */
            interface $Properties {

                /** Message role */
                role?: (string|null);

                /** Message content */
                content?: (string|null);

                /** Message name */
                name?: (string|null);

                /** Message toolCallId */
                toolCallId?: (string|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Message. */
            type $Shape = officeos.v1.Message.$Properties;
        }

        /**
         * Properties of a ToolCall.
         * @deprecated Use officeos.v1.ToolCall.$Properties instead.
         */
        interface IToolCall extends officeos.v1.ToolCall.$Properties {
        }

        /** Represents a ToolCall. */
        class ToolCall {

            /**
             * Constructs a new ToolCall.
             * @param [properties] Properties to set
             */
            constructor(properties?: officeos.v1.ToolCall.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** ToolCall id. */
            id: string;

            /** ToolCall name. */
            name: string;

            /** ToolCall arguments. */
            arguments: string;

            /** ToolCall result. */
            result: string;

            /** ToolCall status. */
            status: string;

            /** ToolCall startedAtMs. */
            startedAtMs: number;

            /** ToolCall endedAtMs. */
            endedAtMs: number;

            /**
             * Encodes the specified ToolCall message. Does not implicitly {@link officeos.v1.ToolCall.verify|verify} messages.
             * @param message ToolCall message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: officeos.v1.ToolCall.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a ToolCall message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {officeos.v1.ToolCall & officeos.v1.ToolCall.$Shape} ToolCall
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): officeos.v1.ToolCall & officeos.v1.ToolCall.$Shape;

            /**
             * Creates a ToolCall message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns ToolCall
             */
            static fromObject(object: { [k: string]: any }): officeos.v1.ToolCall;

            /**
             * Creates a plain object from a ToolCall message. Also converts values to other types if specified.
             * @param message ToolCall
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: officeos.v1.ToolCall, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this ToolCall to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };

            /**
             * Gets the type url for ToolCall
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace ToolCall {

            /** Properties of a ToolCall. */
            interface $Properties {

                /** ToolCall id */
                id?: (string|null);

                /** ToolCall name */
                name?: (string|null);

                /** ToolCall arguments */
                "arguments"?: (string|null);

                /** ToolCall result */
                result?: (string|null);

                /** ToolCall status */
                status?: (string|null);

                /** ToolCall startedAtMs */
                startedAtMs?: (number|null);

                /** ToolCall endedAtMs */
                endedAtMs?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a ToolCall. */
            type $Shape = officeos.v1.ToolCall.$Properties;
        }

        /**
         * Properties of a Cursor.
         * @deprecated Use officeos.v1.Cursor.$Properties instead.
         */
        interface ICursor extends officeos.v1.Cursor.$Properties {
        }

        /** Represents a Cursor. */
        class Cursor {

            /**
             * Constructs a new Cursor.
             * @param [properties] Properties to set
             */
            constructor(properties?: officeos.v1.Cursor.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** Cursor step. */
            step: number;

            /** Cursor subStep. */
            subStep: number;

            /**
             * Encodes the specified Cursor message. Does not implicitly {@link officeos.v1.Cursor.verify|verify} messages.
             * @param message Cursor message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: officeos.v1.Cursor.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a Cursor message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {officeos.v1.Cursor & officeos.v1.Cursor.$Shape} Cursor
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): officeos.v1.Cursor & officeos.v1.Cursor.$Shape;

            /**
             * Creates a Cursor message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns Cursor
             */
            static fromObject(object: { [k: string]: any }): officeos.v1.Cursor;

            /**
             * Creates a plain object from a Cursor message. Also converts values to other types if specified.
             * @param message Cursor
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: officeos.v1.Cursor, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this Cursor to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };

            /**
             * Gets the type url for Cursor
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace Cursor {

            /** Properties of a Cursor. */
            interface $Properties {

                /** Cursor step */
                step?: (number|null);

                /** Cursor subStep */
                subStep?: (number|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of a Cursor. */
            type $Shape = officeos.v1.Cursor.$Properties;
        }

        /**
         * Properties of an AgentState.
         * @deprecated Use officeos.v1.AgentState.$Properties instead.
         */
        interface IAgentState extends officeos.v1.AgentState.$Properties {
        }

        /** Represents an AgentState. */
        class AgentState {

            /**
             * Constructs a new AgentState.
             * @param [properties] Properties to set
             */
            constructor(properties?: officeos.v1.AgentState.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** AgentState messages. */
            messages: officeos.v1.Message.$Properties[];

            /** AgentState toolCalls. */
            toolCalls: officeos.v1.ToolCall.$Properties[];

            /** AgentState reasoning. */
            reasoning: string;

            /** AgentState cursor. */
            cursor?: (officeos.v1.Cursor.$Properties|null);

            /** AgentState appStateBytes. */
            appStateBytes?: (Uint8Array|null);

            /** AgentState appStateJson. */
            appStateJson?: (string|null);

            /** AgentState metadata. */
            metadata: { [k: string]: string };

            /** AgentState appState. */
            appState?: ("appStateBytes"|"appStateJson");

            /**
             * Encodes the specified AgentState message. Does not implicitly {@link officeos.v1.AgentState.verify|verify} messages.
             * @param message AgentState message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: officeos.v1.AgentState.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an AgentState message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {officeos.v1.AgentState & officeos.v1.AgentState.$Shape} AgentState
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): officeos.v1.AgentState & officeos.v1.AgentState.$Shape;

            /**
             * Creates an AgentState message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns AgentState
             */
            static fromObject(object: { [k: string]: any }): officeos.v1.AgentState;

            /**
             * Creates a plain object from an AgentState message. Also converts values to other types if specified.
             * @param message AgentState
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: officeos.v1.AgentState, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this AgentState to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };

            /**
             * Gets the type url for AgentState
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace AgentState {

            /** Properties of an AgentState. */
            interface $Properties {

                /** AgentState messages */
                messages?: (officeos.v1.Message.$Properties[]|null);

                /** AgentState toolCalls */
                toolCalls?: (officeos.v1.ToolCall.$Properties[]|null);

                /** AgentState reasoning */
                reasoning?: (string|null);

                /** AgentState cursor */
                cursor?: (officeos.v1.Cursor.$Properties|null);

                /** AgentState appStateBytes */
                appStateBytes?: (Uint8Array|null);

                /** AgentState appStateJson */
                appStateJson?: (string|null);

                /** AgentState metadata */
                metadata?: ({ [k: string]: string }|null);

                /** AgentState appState */
                appState?: ("appStateBytes"|"appStateJson");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of an AgentState. */
            type $Shape = {
              messages?: officeos.v1.Message.$Shape[]|null;
              toolCalls?: officeos.v1.ToolCall.$Shape[]|null;
              reasoning?: string|null;
              cursor?: officeos.v1.Cursor.$Shape|null;
              appStateBytes?: Uint8Array|null;
              appStateJson?: string|null;
              metadata?: { [k: string]: string }|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ appState?: undefined; appStateBytes?: null; appStateJson?: null }|{ appState?: "appStateBytes"; appStateBytes: Uint8Array; appStateJson?: null }|{ appState?: "appStateJson"; appStateBytes?: null; appStateJson: string })
            );
        }

        /**
         * Properties of an AgentCheckpoint.
         * @deprecated Use officeos.v1.AgentCheckpoint.$Properties instead.
         */
        interface IAgentCheckpoint extends officeos.v1.AgentCheckpoint.$Properties {
        }

        /** Represents an AgentCheckpoint. */
        class AgentCheckpoint {

            /**
             * Constructs a new AgentCheckpoint.
             * @param [properties] Properties to set
             */
            constructor(properties?: officeos.v1.AgentCheckpoint.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** AgentCheckpoint seq. */
            seq: number;

            /** AgentCheckpoint taskId. */
            taskId: string;

            /** AgentCheckpoint epoch. */
            epoch: number;

            /** AgentCheckpoint createdAtMs. */
            createdAtMs: number;

            /** AgentCheckpoint state. */
            state?: (officeos.v1.AgentState.$Properties|null);

            /**
             * Encodes the specified AgentCheckpoint message. Does not implicitly {@link officeos.v1.AgentCheckpoint.verify|verify} messages.
             * @param message AgentCheckpoint message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: officeos.v1.AgentCheckpoint.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes an AgentCheckpoint message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {officeos.v1.AgentCheckpoint & officeos.v1.AgentCheckpoint.$Shape} AgentCheckpoint
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): officeos.v1.AgentCheckpoint & officeos.v1.AgentCheckpoint.$Shape;

            /**
             * Creates an AgentCheckpoint message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns AgentCheckpoint
             */
            static fromObject(object: { [k: string]: any }): officeos.v1.AgentCheckpoint;

            /**
             * Creates a plain object from an AgentCheckpoint message. Also converts values to other types if specified.
             * @param message AgentCheckpoint
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: officeos.v1.AgentCheckpoint, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this AgentCheckpoint to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };

            /**
             * Gets the type url for AgentCheckpoint
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace AgentCheckpoint {

            /** Properties of an AgentCheckpoint. */
            interface $Properties {

                /** AgentCheckpoint seq */
                seq?: (number|null);

                /** AgentCheckpoint taskId */
                taskId?: (string|null);

                /** AgentCheckpoint epoch */
                epoch?: (number|null);

                /** AgentCheckpoint createdAtMs */
                createdAtMs?: (number|null);

                /** AgentCheckpoint state */
                state?: (officeos.v1.AgentState.$Properties|null);

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Shape of an AgentCheckpoint. */
            type $Shape = {
              seq?: number|null;
              taskId?: string|null;
              epoch?: number|null;
              createdAtMs?: number|null;
              state?: officeos.v1.AgentState.$Shape|null;
              $unknowns?: Uint8Array[];
            };
        }

        /**
         * Properties of a StateDelta.
         * @deprecated Use officeos.v1.StateDelta.$Properties instead.
         */
        interface IStateDelta extends officeos.v1.StateDelta.$Properties {
        }

        /** Represents a StateDelta. */
        class StateDelta {

            /**
             * Constructs a new StateDelta.
             * @param [properties] Properties to set
             */
            constructor(properties?: officeos.v1.StateDelta.$Properties);

            /** Unknown fields preserved while decoding when enabled */
            $unknowns?: Uint8Array[];

            /** StateDelta baseSeq. */
            baseSeq: number;

            /** StateDelta messages. */
            messages: officeos.v1.Message.$Properties[];

            /** StateDelta toolCalls. */
            toolCalls: officeos.v1.ToolCall.$Properties[];

            /** StateDelta reasoning. */
            reasoning: string;

            /** StateDelta cursor. */
            cursor?: (officeos.v1.Cursor.$Properties|null);

            /** StateDelta appStateBytes. */
            appStateBytes?: (Uint8Array|null);

            /** StateDelta appStateJson. */
            appStateJson?: (string|null);

            /** StateDelta metadata. */
            metadata: { [k: string]: string };

            /** StateDelta metadataSet. */
            metadataSet: boolean;

            /** StateDelta appState. */
            appState?: ("appStateBytes"|"appStateJson");

            /**
             * Encodes the specified StateDelta message. Does not implicitly {@link officeos.v1.StateDelta.verify|verify} messages.
             * @param message StateDelta message or plain object to encode
             * @param [writer] Writer to encode to
             * @returns Writer
             */
            static encode(message: officeos.v1.StateDelta.$Properties, writer?: $protobuf.Writer): $protobuf.Writer;

            /**
             * Decodes a StateDelta message from the specified reader or buffer.
             * @param reader Reader or buffer to decode from
             * @param [length] Message length if known beforehand
             * @returns {officeos.v1.StateDelta & officeos.v1.StateDelta.$Shape} StateDelta
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): officeos.v1.StateDelta & officeos.v1.StateDelta.$Shape;

            /**
             * Creates a StateDelta message from a plain object. Also converts values to their respective internal types.
             * @param object Plain object
             * @returns StateDelta
             */
            static fromObject(object: { [k: string]: any }): officeos.v1.StateDelta;

            /**
             * Creates a plain object from a StateDelta message. Also converts values to other types if specified.
             * @param message StateDelta
             * @param [options] Conversion options
             * @returns Plain object
             */
            static toObject(message: officeos.v1.StateDelta, options?: $protobuf.IConversionOptions): { [k: string]: any };

            /**
             * Converts this StateDelta to JSON.
             * @returns JSON object
             */
            toJSON(): { [k: string]: any };

            /**
             * Gets the type url for StateDelta
             * @param [prefix] Custom type url prefix, defaults to `"type.googleapis.com"`
             * @returns The type url
             */
            static getTypeUrl(prefix?: string): string;
        }

        namespace StateDelta {

            /** Properties of a StateDelta. */
            interface $Properties {

                /** StateDelta baseSeq */
                baseSeq?: (number|null);

                /** StateDelta messages */
                messages?: (officeos.v1.Message.$Properties[]|null);

                /** StateDelta toolCalls */
                toolCalls?: (officeos.v1.ToolCall.$Properties[]|null);

                /** StateDelta reasoning */
                reasoning?: (string|null);

                /** StateDelta cursor */
                cursor?: (officeos.v1.Cursor.$Properties|null);

                /** StateDelta appStateBytes */
                appStateBytes?: (Uint8Array|null);

                /** StateDelta appStateJson */
                appStateJson?: (string|null);

                /** StateDelta metadata */
                metadata?: ({ [k: string]: string }|null);

                /** StateDelta metadataSet */
                metadataSet?: (boolean|null);

                /** StateDelta appState */
                appState?: ("appStateBytes"|"appStateJson");

                /** Unknown fields preserved while decoding when enabled */
                $unknowns?: Uint8Array[];
            }

            /** Narrowed shape of a StateDelta. */
            type $Shape = {
              baseSeq?: number|null;
              messages?: officeos.v1.Message.$Shape[]|null;
              toolCalls?: officeos.v1.ToolCall.$Shape[]|null;
              reasoning?: string|null;
              cursor?: officeos.v1.Cursor.$Shape|null;
              appStateBytes?: Uint8Array|null;
              appStateJson?: string|null;
              metadata?: { [k: string]: string }|null;
              metadataSet?: boolean|null;
              $unknowns?: Uint8Array[];
            } & (
              ({ appState?: undefined; appStateBytes?: null; appStateJson?: null }|{ appState?: "appStateBytes"; appStateBytes: Uint8Array; appStateJson?: null }|{ appState?: "appStateJson"; appStateBytes?: null; appStateJson: string })
            );
        }
    }
}
