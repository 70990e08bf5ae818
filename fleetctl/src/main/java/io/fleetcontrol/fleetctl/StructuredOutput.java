package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.PrintWriter;
import java.io.UncheckedIOException;

/** Prints one JSON or YAML document: the whole of stdout for {@code -o json|yaml}. */
final class StructuredOutput {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      // Keeps "1" (a policy version key) or "007" a string when read back.
      .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
      .build());

  private StructuredOutput() {}

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
}
