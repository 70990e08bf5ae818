package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Map;

/**
 * Prints one JSON or YAML document: the whole of stdout for {@code -o json|yaml}.
 *
 * <p>A command prints the response message of the call it made (a list: one response holding
 * every page's items), written by protobuf's {@link JsonFormat} from the message's schema, so a
 * field added to the proto shows up without a change here. The options, chosen for scripts:
 * <ul>
 *   <li>proto field names as they are ({@code device_id}, not {@code deviceId});
 *   <li>every field, default-valued ones included ({@code "pauses_taken_today": 0},
 *       {@code "labels": {}}), so a script finds each key whatever its value; a message or
 *       {@code optional} field that is not set is left out, as the proto has no value for it;
 *   <li>map keys sorted, so two runs print the same text;
 *   <li>enums by their proto names ({@code CONNECTION_STATE_ONLINE}), times as RFC 3339
 *       ({@code 2026-11-22T09:00:00Z}) and durations as seconds ({@code "1800s"}), as JsonFormat
 *       writes them;
 *   <li>64-bit integers as JSON numbers, where proto3's JSON mapping quotes them: {@code jq '.total > 5'}
 *       then compares numbers. JsonFormat's parser reads either form.
 * </ul>
 * YAML is the same tree written by Jackson's YAML writer.
 */
final class StructuredOutput {
  private static final JsonFormat.Printer PROTO_JSON = JsonFormat.printer()
      .preservingProtoFieldNames()
      .includingDefaultValueFields()
      .sortingMapKeys();
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      // Keeps "1" (a map key) or "007" a string when read back.
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .build());

  private StructuredOutput() {}

  /** The message as its schema says, with the options above. */
  static void print(PrintWriter out, OutputFormat format, MessageOrBuilder message) {
    print(out, format, tree(message));
  }

  /** A document that is no API message (a policy file, a diff). */
  static void print(PrintWriter out, OutputFormat format, JsonNode document) {
    ObjectMapper mapper = switch (format) {
      case json -> JSON;
      case yaml -> YAML;
      case table -> throw new IllegalArgumentException("table is not a structured format");
    };
    try {
      // A String first: writeValue(Writer) would close the caller's stdout.
      out.println(mapper.writeValueAsString(document).stripTrailing());
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The JSON tree of {@code message}: JsonFormat's, with 64-bit integers as numbers. */
  static JsonNode tree(MessageOrBuilder message) {
    JsonNode tree;
    try {
      tree = JSON.readTree(PROTO_JSON.print(message));
    } catch (InvalidProtocolBufferException e) {
      // Only an Any of an unknown type fails, and no fleet.v1 message holds one.
      throw new IllegalStateException(e);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
    int64AsNumbers(message.getDescriptorForType(), tree);
    return tree;
  }

  /** Walks the tree beside its schema; well-known types (Timestamp, Duration) are strings and are left as they are. */
  private static void int64AsNumbers(Descriptor type, JsonNode node) {
    if (!(node instanceof ObjectNode object)) {
      return;
    }
    for (FieldDescriptor field : type.getFields()) {
      JsonNode value = object.get(field.getName());
      if (value == null) {
        continue;
      }
      if (field.isMapField() && value instanceof ObjectNode entries) {
        FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
        for (Map.Entry<String, JsonNode> entry : new ArrayList<>(entries.properties())) {
          entries.set(entry.getKey(), converted(valueField, entry.getValue()));
        }
      } else if (field.isRepeated() && value instanceof ArrayNode items) {
        for (int i = 0; i < items.size(); i++) {
          items.set(i, converted(field, items.get(i)));
        }
      } else {
        object.set(field.getName(), converted(field, value));
      }
    }
  }

  private static JsonNode converted(FieldDescriptor field, JsonNode value) {
    if (field.getJavaType() == FieldDescriptor.JavaType.LONG && value.isTextual()) {
      return JsonNodeFactory.instance.numberNode(new BigInteger(value.asText()));
    }
    if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
      int64AsNumbers(field.getMessageType(), value);
    }
    return value;
  }
}
