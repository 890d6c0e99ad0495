/**
 * The media types a DAG document may be sent as. One list feeds the body parser, the OpenAPI document
 * (whose validator answers 415 to any type it does not list) and the handler that picks the parser.
 */

/** YAML has had several names in the wild; RFC 9512 registered `application/yaml`, the others are still sent. */
export const YAML_MEDIA_TYPES = [
  'application/yaml',
  'application/x-yaml',
  'text/yaml',
  'text/x-yaml',
] as const;

/** The DSL (and other plain text). */
export const DSL_MEDIA_TYPE = 'text/plain';

/** Bodies read as a string rather than parsed as JSON. */
export const TEXT_MEDIA_TYPES: readonly string[] = [DSL_MEDIA_TYPE, ...YAML_MEDIA_TYPES];
