package io.fleetcontrol.it;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Hostile requests for any message type, built from its descriptor at run time: one field at a
 * time set to a value meant to hurt (empty, oversized, control characters, extreme numbers,
 * instants out of java.time's range, unknown enum numbers, 5,000-element lists, 2,000-entry maps),
 * plus requests with every field hostile at once, plus bytes no parser accepts. Everything comes
 * from one {@link Random}, so a seed replays the same requests.
 */
final class HostileMessages {

  /**
   * One request: what it is in words (for the report), its bytes, whether protobuf can decode it,
   * and the request as text, made only when a failure names it.
   */
  record Case(String label, byte[] bytes, boolean decodable, Supplier<String> text) {
    /** The request as text, trimmed so a failure message stays readable. */
    String shortText() {
      return trim(text.get(), 300);
    }
  }

  /** Requests larger than this are meant to be refused for their size; generated cases stay below. */
  static final int SIZE_LIMIT = 4 * 1024 * 1024;
  /** How the label of an {@link #oversized} case starts. */
  static final String OVERSIZED = "over the size limit";
  private static final int KEEP_BELOW = 3 * 1024 * 1024;
  private static final int LONG_LIST = 5_000;
  private static final int BIG_MAP = 2_000;
  private static final int MAX_DEPTH = 3;

  /** java.time.Instant's range in epoch seconds, and a step past each end. */
  private static final long INSTANT_MIN = -31557014167219200L;
  private static final long INSTANT_MAX = 31556889864403199L;

  private final Random random;

  HostileMessages(long seed) {
    this.random = new Random(seed);
  }

  /** Hostile string values with a short name for each. */
  private static final List<Map.Entry<String, String>> STRINGS = List.of(
      Map.entry("empty", ""),
      Map.entry("1 char", "a"),
      Map.entry("129 chars", "x".repeat(129)),
      Map.entry("100 KB", "y".repeat(100 * 1024)),
      Map.entry("control chars", "a\u0000b\u0007\b\r\nc\t\u007f"),
      Map.entry("ANSI escapes", "\u001b[2J\u001b[31mred\u001b[0m\u001b]0;title\u0007"),
      Map.entry("bidi override", "\u202Egpj.exe\u202C\u2066x\u2069"),
      Map.entry("path traversal", "../../etc/passwd"),
      Map.entry("NUL only", "\u0000"),
      Map.entry("blank", "   "),
      Map.entry("emoji", "\uD83D\uDE00\uD83D\uDCA5"),
      Map.entry("rollout-like id", "default-999999999999999999999"),
      Map.entry("label-like", "a=b=c"),
      Map.entry("SQL-like", "'; DROP TABLE audit; --"));

  private static final long[] LONGS = {Long.MIN_VALUE, Long.MAX_VALUE, -1, 0, 1};
  private static final int[] INTS = {Integer.MIN_VALUE, Integer.MAX_VALUE, -1, 0, 1};
  private static final double[] DOUBLES = {
      Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0, -1, Double.MAX_VALUE, Double.MIN_VALUE, 1e308};

  /** Timestamps: beyond java.time either side, before year 1 and after 9999 (RFC 3339's range), bad nanos. */
  private static final long[][] TIMESTAMPS = {
      {Long.MIN_VALUE, 0}, {Long.MAX_VALUE, 0}, {INSTANT_MIN - 1, 0}, {INSTANT_MAX + 1, 0},
      {-62135596801L, 0}, {253402300800L, 0}, {0, -1}, {0, 1_000_000_000}, {1_700_000_000L, Integer.MAX_VALUE},
      {-1, 0}, {0, 0}};
  /** Durations: beyond java.time and protobuf's ±10,000 years, negative, nanos out of range or of the other sign. */
  private static final long[][] DURATIONS = {
      {Long.MIN_VALUE, 0}, {Long.MAX_VALUE, 0}, {315576000001L, 0}, {-1, 0}, {0, -1}, {0, 1_000_000_000},
      {1, -1}, {0, 0}, {400L * 24 * 3600, 0}, {Long.MAX_VALUE, 999_999_999},
      {Long.MIN_VALUE, -1}, {Long.MAX_VALUE, Integer.MAX_VALUE}};

  /**
   * About {@code count} hostile requests of {@code type}: the empty one, every single-field variant
   * (shuffled, cut to fit), requests with every field hostile, and two undecodable byte strings.
   */
  List<Case> casesFor(Descriptor type, int count) {
    List<Case> variants = new ArrayList<>();
    for (Variant v : fieldVariants(type, 0, false)) {
      variants.add(decodable(v.label(), v.message()));
    }
    Collections.shuffle(variants, random);
    List<Case> cases = new ArrayList<>();
    cases.add(decodable("empty message", DynamicMessage.getDefaultInstance(type)));
    cases.addAll(undecodable(type));
    int everythingHostile = Math.max(2, count / 6);
    for (Case c : variants) {
      if (cases.size() >= count - everythingHostile) {
        break;
      }
      if (c.bytes().length < KEEP_BELOW) {
        cases.add(c);
      }
    }
    int attempts = 0;
    while (!type.getFields().isEmpty() && cases.size() < count && attempts++ < count * 4) {
      DynamicMessage all = everyFieldHostile(type, 0);
      if (all.getSerializedSize() < KEEP_BELOW) {
        cases.add(decodable("every field hostile", all));
      }
    }
    return cases;
  }

  /** One request of {@code type} over the size limit: its first string field (found depth-first) holds 5 MiB. */
  static Case oversized(Descriptor type) {
    DynamicMessage message = withBigString(type, "z".repeat(SIZE_LIMIT + 1024 * 1024), 0);
    if (message == null) {
      throw new IllegalArgumentException(type.getFullName() + " has no string field to make big");
    }
    return decodable(OVERSIZED + ": a 5 MiB string", message);
  }

  private static DynamicMessage withBigString(Descriptor type, String big, int depth) {
    for (FieldDescriptor field : type.getFields()) {
      if (field.isRepeated() || field.getContainingOneof() != null && depth > 0) {
        continue;
      }
      if (field.getJavaType() == FieldDescriptor.JavaType.STRING) {
        return DynamicMessage.newBuilder(type).setField(field, big).build();
      }
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth < MAX_DEPTH && !isWellKnown(field)) {
        DynamicMessage inner = withBigString(field.getMessageType(), big, depth + 1);
        if (inner != null) {
          return DynamicMessage.newBuilder(type).setField(field, inner).build();
        }
      }
    }
    return null;
  }

  static Case decodable(String label, Message message) {
    return new Case(label, message.toByteArray(), true, () -> TextFormat.shortDebugString(message));
  }

  static Case raw(String label, byte[] bytes) {
    return new Case(label, bytes, false, () -> "raw bytes " + hex(bytes, 24));
  }

  /**
   * Bytes protobuf refuses: a length running past the end, an end-group tag with no group, and (when
   * the type has a string field) a string that is not UTF-8, which proto3 refuses to decode.
   */
  private static List<Case> undecodable(Descriptor type) {
    List<Case> cases = new ArrayList<>();
    cases.add(raw("raw: length past the end", new byte[] {0x0a, 0x7f, 0x41, 0x42}));
    cases.add(raw("raw: stray end-group tag", new byte[] {0x0c, (byte) 0xff, (byte) 0xff, (byte) 0xff}));
    for (FieldDescriptor field : type.getFields()) {
      if (field.getType() == FieldDescriptor.Type.STRING && !field.isMapField()) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write((field.getNumber() << 3) | 2);
        out.write(2);
        out.write(0xc3);
        out.write(0x28);
        cases.add(raw("raw: " + field.getName() + " not UTF-8", out.toByteArray()));
        break;
      }
    }
    return cases;
  }

  private record Variant(String label, DynamicMessage message) {}

  /** Messages of {@code type} with exactly one field (at some depth) set to each of its hostile values. */
  private List<Variant> fieldVariants(Descriptor type, int depth, boolean small) {
    List<Variant> variants = new ArrayList<>();
    for (FieldDescriptor field : type.getFields()) {
      for (Map.Entry<String, Object> value : hostileValues(field, depth, small)) {
        DynamicMessage message = DynamicMessage.newBuilder(type).setField(field, value.getValue()).build();
        variants.add(new Variant(field.getName() + "=" + value.getKey(), message));
      }
    }
    return variants;
  }

  /** Each hostile value of {@code field} (a whole list for repeated ones), with a short name. */
  private List<Map.Entry<String, Object>> hostileValues(FieldDescriptor field, int depth, boolean small) {
    List<Map.Entry<String, Object>> values = new ArrayList<>();
    if (field.isMapField()) {
      Descriptor entry = field.getMessageType();
      FieldDescriptor key = entry.findFieldByName("key");
      FieldDescriptor value = entry.findFieldByName("value");
      if (!small) {
        List<Object> many = new ArrayList<>();
        for (int i = 0; i < BIG_MAP; i++) {
          many.add(mapEntry(entry, key, value, plainValue(key, i), plainValue(value, i)));
        }
        values.add(Map.entry(BIG_MAP + " entries", many));
      }
      for (Map.Entry<String, Object> hostileKey : scalarValues(key, small)) {
        values.add(Map.entry("{key " + hostileKey.getKey() + "}",
            List.of(mapEntry(entry, key, value, hostileKey.getValue(), plainValue(value, 0)))));
      }
      for (Map.Entry<String, Object> hostileValue : singleValues(value, depth, small)) {
        values.add(Map.entry("{value " + hostileValue.getKey() + "}",
            List.of(mapEntry(entry, key, value, plainValue(key, 0), hostileValue.getValue()))));
      }
      return values;
    }
    if (field.isRepeated()) {
      if (!small) {
        List<Object> many = new ArrayList<>();
        for (int i = 0; i < LONG_LIST; i++) {
          many.add(plainValue(field, i));
        }
        values.add(Map.entry("[" + LONG_LIST + " elements]", many));
      }
      for (Map.Entry<String, Object> one : singleValues(field, depth, small)) {
        values.add(Map.entry("[" + one.getKey() + "]", List.of(one.getValue())));
      }
      return values;
    }
    return singleValues(field, depth, small);
  }

  private static Object mapEntry(Descriptor entry, FieldDescriptor key, FieldDescriptor value, Object k, Object v) {
    return DynamicMessage.newBuilder(entry).setField(key, k).setField(value, v).build();
  }

  /** Values for one element of {@code field}: scalars, or one nested message per variant of its type. */
  private List<Map.Entry<String, Object>> singleValues(FieldDescriptor field, int depth, boolean small) {
    if (field.getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
      return scalarValues(field, small);
    }
    Descriptor type = field.getMessageType();
    List<Map.Entry<String, Object>> values = new ArrayList<>();
    if (type.getFullName().equals("google.protobuf.Timestamp")) {
      for (long[] t : TIMESTAMPS) {
        values.add(Map.entry("Timestamp(" + t[0] + "s," + t[1] + "ns)", secondsAndNanos(type, t)));
      }
      return values;
    }
    if (type.getFullName().equals("google.protobuf.Duration")) {
      for (long[] d : DURATIONS) {
        values.add(Map.entry("Duration(" + d[0] + "s," + d[1] + "ns)", secondsAndNanos(type, d)));
      }
      return values;
    }
    values.add(Map.entry("{}", DynamicMessage.getDefaultInstance(type)));
    if (depth >= MAX_DEPTH) {
      return values;
    }
    List<Variant> nested = fieldVariants(type, depth + 1, small);
    Collections.shuffle(nested, random);
    // Enough nested variants to reach every field of the nested type now and then, not all of them each time.
    for (Variant v : nested.subList(0, Math.min(nested.size(), depth == 0 ? 40 : 8))) {
      values.add(Map.entry("{" + v.label() + "}", v.message()));
    }
    return values;
  }

  private static DynamicMessage secondsAndNanos(Descriptor type, long[] value) {
    return DynamicMessage.newBuilder(type)
        .setField(type.findFieldByName("seconds"), value[0])
        .setField(type.findFieldByName("nanos"), (int) value[1])
        .build();
  }

  private static List<Map.Entry<String, Object>> scalarValues(FieldDescriptor field, boolean small) {
    List<Map.Entry<String, Object>> values = new ArrayList<>();
    switch (field.getJavaType()) {
      case STRING -> STRINGS.stream()
          .filter(s -> !small || s.getValue().length() < 200)
          .forEach(s -> values.add(Map.entry("string(" + s.getKey() + ")", s.getValue())));
      case BYTE_STRING -> {
        values.add(Map.entry("bytes(empty)", com.google.protobuf.ByteString.EMPTY));
        values.add(Map.entry("bytes(0xff..)", com.google.protobuf.ByteString.copyFrom(new byte[] {-1, -1, 0})));
      }
      case INT -> {
        for (int i : INTS) {
          values.add(Map.entry(Integer.toString(i), i));
        }
      }
      case LONG -> {
        for (long l : LONGS) {
          values.add(Map.entry(Long.toString(l), l));
        }
      }
      case DOUBLE -> {
        for (double d : DOUBLES) {
          values.add(Map.entry(Double.toString(d), d));
        }
      }
      case FLOAT -> {
        for (double d : DOUBLES) {
          values.add(Map.entry(Float.toString((float) d), (float) d));
        }
      }
      case BOOLEAN -> values.add(Map.entry("true", true));
      case ENUM -> {
        var enumType = field.getEnumType();
        for (int number : new int[] {-1, 9999, Integer.MAX_VALUE}) {
          values.add(Map.entry(enumType.getName() + "(" + number + ", unknown)",
              enumType.findValueByNumberCreatingIfUnknown(number)));
        }
        var known = enumType.getValues();
        values.add(Map.entry(known.get(known.size() - 1).getName(), known.get(known.size() - 1)));
      }
      case MESSAGE -> throw new IllegalArgumentException("not a scalar: " + field.getFullName());
    }
    return values;
  }

  /** An ordinary value, distinct per index, for filling long lists and big maps. */
  private static Object plainValue(FieldDescriptor field, int i) {
    return switch (field.getJavaType()) {
      case STRING -> "v" + i;
      case BYTE_STRING -> com.google.protobuf.ByteString.copyFromUtf8("b" + i);
      case INT -> i;
      case LONG -> (long) i;
      case DOUBLE -> (double) i;
      case FLOAT -> (float) i;
      case BOOLEAN -> i % 2 == 0;
      case ENUM -> field.getEnumType().getValues().get(i % field.getEnumType().getValues().size());
      case MESSAGE -> DynamicMessage.getDefaultInstance(field.getMessageType());
    };
  }

  /** Every field set at once, each to a hostile value picked at random; small values below the top. */
  private DynamicMessage everyFieldHostile(Descriptor type, int depth) {
    DynamicMessage.Builder builder = DynamicMessage.newBuilder(type);
    for (FieldDescriptor field : type.getFields()) {
      if (field.getContainingOneof() != null && random.nextBoolean()) {
        continue; // a oneof keeps whichever member was set last; skip some so each member gets its turn
      }
      Object value;
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE && !field.isMapField() && !isWellKnown(field)
          && depth < MAX_DEPTH) {
        DynamicMessage inner = everyFieldHostile(field.getMessageType(), depth + 1);
        value = field.isRepeated() ? List.of(inner, inner) : inner;
      } else {
        List<Map.Entry<String, Object>> choices = hostileValues(field, MAX_DEPTH, depth > 0);
        if (choices.isEmpty()) {
          continue;
        }
        value = choices.get(random.nextInt(choices.size())).getValue();
      }
      builder.setField(field, value);
    }
    return builder.build();
  }

  private static boolean isWellKnown(FieldDescriptor field) {
    return field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
        && field.getMessageType().getFullName().startsWith("google.protobuf.");
  }

  static String trim(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "... (" + text.length() + " chars)";
  }

  private static String hex(byte[] bytes, int max) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < Math.min(bytes.length, max); i++) {
      out.append(String.format("%02x", bytes[i]));
    }
    return out.toString();
  }
}
