package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import io.fleetcontrol.fleetctl.PolicyFile.FileError;
import io.fleetcontrol.fleetctl.PolicyValues.BadValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A {@link PolicyFile} read from and written to YAML with Jackson. What Jackson cannot read comes
 * back as a {@link FileError} in the file's words: the key ("pause.max_pause", "allowlist[3]"),
 * its line, and what was expected there.
 */
final class PolicyFileYaml {

  private PolicyFileYaml() {}

  private static final ObjectMapper READER = new ObjectMapper(YAMLFactory.builder()
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build())
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);

  private static final ObjectMapper YAML = new ObjectMapper(YAMLFactory.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          // An app id "1234" stays a string when read back.
          .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
          // The notice as a "|" block, as people write it.
          .enable(YAMLGenerator.Feature.LITERAL_BLOCK_STYLE)
          .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR)
          // A long description stays on one line rather than folded with "\" escapes.
          .disable(YAMLGenerator.Feature.SPLIT_LINES)
          .build())
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  private static final ObjectMapper TREE = new ObjectMapper()
      .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

  // ---- reading ----

  static PolicyFile read(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new FileError(null, "no such file");
    } catch (IOException e) {
      throw new FileError(null, "cannot read: " + e.getMessage());
    }
    return parse(text);
  }

  /** The file's records; everything {@link PolicyFileMapping#toProto} needs is checked here, so it does not fail later. */
  static PolicyFile parse(String yaml) {
    if (yaml.isBlank()) {
      throw new FileError(null, "the file is empty; it needs at least a name");
    }
    PolicyFile file;
    try {
      file = READER.readValue(yaml, PolicyFile.class);
    } catch (JsonProcessingException e) {
      throw error(e, yaml);
    }
    if (file == null) {
      throw new FileError(null, "the file holds no policy; it needs at least a name");
    }
    try {
      PolicyFileMapping.toProto(file);
    } catch (FileError e) {
      throw e.path() == null ? e : new FileError(lineOf(yaml, e.path()), e.path(), e.getMessage());
    }
    return file;
  }

  // ---- writing ----

  /** The file as {@code policies get -o yaml} prints it and {@code policies update -f} reads it. */
  static String write(PolicyFile file) {
    try {
      return YAML.writeValueAsString(file);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** For {@code -o json}: the same keys and values as the YAML. */
  static ObjectNode tree(PolicyFile file) {
    return TREE.valueToTree(file);
  }

  // ---- what went wrong, in the file's words ----

  private static FileError error(JsonProcessingException e, String yaml) {
    Integer line = e.getLocation() == null || e.getLocation().getLineNr() < 1 ? null : e.getLocation().getLineNr();
    String message = firstLine(e.getOriginalMessage());
    Matcher duplicate = DUPLICATE.matcher(message);
    if (e instanceof JsonMappingException m) {
      String path = path(m.getPath());
      if (duplicate.find()) {
        // The parser's own location: the second occurrence.
        return new FileError(line, "duplicate key '" + (path.isEmpty() ? "" : path + ".") + duplicate.group(1) + "'");
      }
      // Jackson reports some problems (unknown keys of a record) only at the end of the mapping.
      if (!path.isEmpty()) {
        Integer found = lineOf(yaml, path);
        line = found != null ? found : line;
      }
      BadValue bad = cause(m, BadValue.class);
      if (bad != null) {
        return new FileError(line, path + ": " + bad.getMessage());
      }
      if (m instanceof UnrecognizedPropertyException u) {
        return new FileError(line, "unknown key '" + path + "' (expected one of: " + known(u.getKnownPropertyIds()) + ")");
      }
      if (cause(m, InputCoercionException.class) != null) {
        return new FileError(line, path + ": the number is too large");
      }
      if (m instanceof InvalidFormatException f) {
        return new FileError(line, path + ": '" + f.getValue() + "' is not " + expected(f.getTargetType()));
      }
      if (m instanceof MismatchedInputException mi) {
        if (path.isEmpty()) {
          return new FileError(line, message.startsWith("Trailing token")
              ? "the file holds more than one YAML document; keep one policy per file"
              : "the file must be a mapping of keys such as 'name: engineering'");
        }
        return new FileError(line, path + " must be " + expected(mi.getTargetType()));
      }
      return new FileError(line, (path.isEmpty() ? "" : path + ": ") + message);
    }
    if (duplicate.find() && e.getProcessor() instanceof JsonParser parser) {
      return new FileError(line, "duplicate key '" + path(parser.getParsingContext()) + "'");
    }
    // SnakeYAML's own words, e.g. "mapping values are not allowed here".
    return new FileError(line, "not valid YAML: " + message);
  }

  /** The line where {@code path} ("pause.max_pause", "allowlist[3]") first appears, or null. */
  private static Integer lineOf(String yaml, String path) {
    try (JsonParser parser = READER.getFactory().createParser(yaml)) {
      while (parser.nextToken() != null) {
        if (path.equals(path(parser.getParsingContext()))) {
          return parser.currentTokenLocation().getLineNr();
        }
      }
    } catch (IOException e) {
      // A file Jackson could read once reads again; if not, there is just no line to give.
    }
    return null;
  }

  private static final Pattern DUPLICATE = Pattern.compile("^Duplicate field '(.*)'");

  private static String path(List<JsonMappingException.Reference> references) {
    StringBuilder path = new StringBuilder();
    for (JsonMappingException.Reference ref : references) {
      if (ref.getFieldName() != null) {
        path.append(path.length() == 0 ? "" : ".").append(ref.getFieldName());
      } else if (ref.getIndex() >= 0) {
        path.append('[').append(ref.getIndex()).append(']');
      }
    }
    return path.toString();
  }

  /** "pause.max_pause" at that key, "allowlist[3]" at that entry: the same words as {@link #path(List)}. */
  private static String path(JsonStreamContext context) {
    List<String> parts = new ArrayList<>();
    for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
      if (c.inArray() && c.hasCurrentIndex()) {
        parts.add(0, "[" + c.getCurrentIndex() + "]");
      } else if (c.inObject() && c.getCurrentName() != null) {
        parts.add(0, "." + c.getCurrentName());
      }
    }
    String path = String.join("", parts);
    return path.startsWith(".") ? path.substring(1) : path;
  }

  private static String known(Collection<Object> keys) {
    return keys.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
  }

  private static final Map<Class<?>, String> EXPECTED = Map.of(
      Integer.class, "a whole number",
      Long.class, "a whole number",
      Boolean.class, "true or false",
      String.class, "a single value (text), not a list or mapping",
      List.class, "a list such as [a, b] or lines starting with '- '");

  private static String expected(Class<?> type) {
    if (type == null) {
      return "of another type";
    }
    if (Collection.class.isAssignableFrom(type)) {
      return EXPECTED.get(List.class);
    }
    if (type.isRecord() && type.getEnclosingClass() == PolicyFile.class) {
      return "a mapping of keys such as '" + String.join(": ..., ", keysOf(type)) + ": ...'";
    }
    if (type.isRecord() || type.isEnum()) {
      return "a single value, not a list or mapping";
    }
    return EXPECTED.getOrDefault(type, "of another type");
  }

  private static List<String> keysOf(Class<?> record) {
    return java.util.Arrays.stream(record.getRecordComponents())
        .map(c -> PropertyNamingStrategies.SnakeCaseStrategy.INSTANCE.translate(c.getName()))
        .toList();
  }

  private static <T extends Throwable> T cause(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
    }
    return null;
  }

  private static String firstLine(String message) {
    String text = String.valueOf(message).strip();
    int newline = text.indexOf('\n');
    return newline < 0 ? text : text.substring(0, newline).strip();
  }
}
