package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.annotation.JsonInclude;
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
import io.fleetcontrol.fleetctl.PolicyValues.BadValue;
import io.fleetcontrol.fleetctl.PolicyValues.ByteRate;
import io.fleetcontrol.fleetctl.PolicyValues.ByteSize;
import io.fleetcontrol.fleetctl.PolicyValues.ClockTime;
import io.fleetcontrol.fleetctl.PolicyValues.Day;
import io.fleetcontrol.fleetctl.PolicyValues.Kind;
import io.fleetcontrol.fleetctl.PolicyValues.Metered;
import io.fleetcontrol.fleetctl.PolicyValues.Span;
import io.fleetcontrol.proto.v1.BandwidthRules;
import io.fleetcontrol.proto.v1.BatteryRules;
import io.fleetcontrol.proto.v1.PauseRules;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.Schedule;
import io.fleetcontrol.proto.v1.TargetRule;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The policy file ops write by hand (fleetctl/examples/policy.yaml shows every key), as a plain
 * record tree that Jackson reads from YAML and writes back. {@link #toProto} and {@link #of} map
 * it to and from fleet.v1 Policy; printing a stored policy and reading it back gives the same proto.
 *
 * <p>Only the file's syntax is checked here: unknown keys, values that cannot be read (each named
 * by its key and line). Whether the policy keeps the rules (a pause under the hard cap, a valid
 * pattern) is the server's to say.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record PolicyFile(
    String name,
    // Printed by `policies get -o yaml`; the server assigns versions, so reading ignores it.
    Long version,
    String description,
    List<Kind> captureKinds,
    List<Target> allowlist,
    List<Target> denylist,
    Pause pause,
    WorkingHours schedule,
    Bandwidth bandwidth,
    Battery battery,
    List<String> jurisdictions,
    Span offlineLimit,
    Span heartbeatInterval,
    String notice) {

  /** An allowlist or denylist entry: one of app or site, and the kinds it covers (none: all). */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Target(String app, String site, List<Kind> kinds) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Pause(Span maxPause, Integer pausesPerDay) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record WorkingHours(List<Day> days, ClockTime start, ClockTime end) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Bandwidth(ByteSize dailyUploadCap, ByteSize monthlyUploadCap, Metered meteredNetwork, ByteRate uploadRateLimit) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Battery(Integer minPercentUnplugged, Boolean screenshotsOnlyWhileCharging) {}

  /** The file cannot be read as a policy: one line naming the key, and its line in the file when known. */
  static final class FileError extends RuntimeException {
    private final Integer line;
    /** The key or list entry it is about ("pause.max_pause", "allowlist[3]"), to find its line; may be null. */
    private final String path;

    FileError(Integer line, String message) {
      this(line, null, message);
    }

    FileError(Integer line, String path, String message) {
      super(message);
      this.line = line;
      this.path = path;
    }

    /** "policy.yaml:12: unknown key 'pause.max'" as compilers print it, or without the line. */
    String describe(Path file) {
      return file + (line == null ? ": " : ":" + line + ": ") + getMessage();
    }
  }

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

  /** The file's records; everything {@link #toProto} needs is checked here, so it does not fail later. */
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
      file.toProto();
    } catch (FileError e) {
      throw e.path == null ? e : new FileError(lineOf(yaml, e.path), e.path, e.getMessage());
    }
    return file;
  }

  /** A proto for CreatePolicy/UpdatePolicy; fails only on what the records cannot express (a missing name). */
  Policy toProto() {
    if (name == null || name.isBlank()) {
      throw new FileError(null, "name is required");
    }
    Policy.Builder p = Policy.newBuilder().setName(name);
    if (description != null) {
      p.setDescription(description);
    }
    each("capture_kinds", captureKinds, kind -> p.addCaptureKinds(kind.toProto()));
    targets("allowlist", allowlist, p::addAllowlist);
    targets("denylist", denylist, p::addDenylist);
    if (pause != null) {
      PauseRules.Builder b = PauseRules.newBuilder();
      if (pause.maxPause() != null) {
        b.setMaxPause(pause.maxPause().toProto());
      }
      if (pause.pausesPerDay() != null) {
        b.setPausesPerDay(pause.pausesPerDay());
      }
      p.setPause(b);
    }
    if (schedule != null) {
      Schedule.Builder b = Schedule.newBuilder();
      each("schedule.days", schedule.days(), day -> b.addDays(day.number()));
      if (schedule.start() != null) {
        b.setStartLocalTime(schedule.start().text());
      }
      if (schedule.end() != null) {
        b.setEndLocalTime(schedule.end().text());
      }
      p.setSchedule(b);
    }
    if (bandwidth != null) {
      BandwidthRules.Builder b = BandwidthRules.newBuilder();
      if (bandwidth.dailyUploadCap() != null) {
        b.setDailyUploadCapBytes(bandwidth.dailyUploadCap().bytes());
      }
      if (bandwidth.monthlyUploadCap() != null) {
        b.setMonthlyUploadCapBytes(bandwidth.monthlyUploadCap().bytes());
      }
      if (bandwidth.meteredNetwork() != null) {
        b.setMeteredNetworkAction(bandwidth.meteredNetwork().toProto());
      }
      if (bandwidth.uploadRateLimit() != null) {
        b.setUploadRateLimitBytesPerSecond(bandwidth.uploadRateLimit().bytesPerSecond());
      }
      p.setBandwidth(b);
    }
    if (battery != null) {
      BatteryRules.Builder b = BatteryRules.newBuilder();
      if (battery.minPercentUnplugged() != null) {
        b.setMinPercentUnplugged(battery.minPercentUnplugged());
      }
      if (battery.screenshotsOnlyWhileCharging() != null) {
        b.setScreenshotsOnlyWhileCharging(battery.screenshotsOnlyWhileCharging());
      }
      p.setBattery(b);
    }
    each("jurisdictions", jurisdictions, p::addJurisdictions);
    if (offlineLimit != null) {
      p.setOfflineLimit(offlineLimit.toProto());
    }
    if (heartbeatInterval != null) {
      p.setHeartbeatInterval(heartbeatInterval.toProto());
    }
    if (notice != null) {
      p.setNoticeText(notice);
    }
    return p.build();
  }

  private static <T> void each(String field, List<T> items, Consumer<T> add) {
    if (items == null) {
      return;
    }
    for (int i = 0; i < items.size(); i++) {
      if (items.get(i) == null) {
        throw new FileError(null, field + "[" + i + "]", field + "[" + i + "] is empty");
      }
      add.accept(items.get(i));
    }
  }

  private static void targets(String field, List<Target> entries, Consumer<TargetRule> add) {
    each(field, entries, new Consumer<>() {
      private int index;

      @Override
      public void accept(Target entry) {
        String path = field + "[" + index++ + "]";
        if ((entry.app() == null) == (entry.site() == null)) {
          throw new FileError(null, path, path + " needs exactly one of app or site");
        }
        TargetRule.Builder rule = entry.app() != null
            ? TargetRule.newBuilder().setAppId(entry.app())
            : TargetRule.newBuilder().setSitePattern(entry.site());
        each(path + ".kinds", entry.kinds(), kind -> rule.addKinds(kind.toProto()));
        add.accept(rule.build());
      }
    });
  }

  // ---- writing ----

  /** The policy in the file's shape; unset messages and empty lists are left out, so it reads back the same. */
  static PolicyFile of(Policy p) {
    Pause pause = null;
    if (p.hasPause()) {
      PauseRules r = p.getPause();
      pause = new Pause(r.hasMaxPause() ? Span.of(r.getMaxPause()) : null, r.getPausesPerDay());
    }
    WorkingHours schedule = null;
    if (p.hasSchedule()) {
      Schedule s = p.getSchedule();
      schedule = new WorkingHours(
          nullIfEmpty(s.getDaysList().stream().map(Day::of).toList()),
          s.getStartLocalTime().isEmpty() ? null : new ClockTime(s.getStartLocalTime()),
          s.getEndLocalTime().isEmpty() ? null : new ClockTime(s.getEndLocalTime()));
    }
    Bandwidth bandwidth = null;
    if (p.hasBandwidth()) {
      BandwidthRules b = p.getBandwidth();
      bandwidth = new Bandwidth(new ByteSize(b.getDailyUploadCapBytes()), new ByteSize(b.getMonthlyUploadCapBytes()),
          Metered.of(b.getMeteredNetworkActionValue()), new ByteRate(b.getUploadRateLimitBytesPerSecond()));
    }
    Battery battery = null;
    if (p.hasBattery()) {
      battery = new Battery(p.getBattery().getMinPercentUnplugged(), p.getBattery().getScreenshotsOnlyWhileCharging());
    }
    return new PolicyFile(
        p.getName(),
        p.getVersion() > 0 ? p.getVersion() : null,
        emptyToNull(p.getDescription()),
        kinds(p.getCaptureKindsValueList()),
        nullIfEmpty(p.getAllowlistList().stream().map(PolicyFile::target).toList()),
        nullIfEmpty(p.getDenylistList().stream().map(PolicyFile::target).toList()),
        pause,
        schedule,
        bandwidth,
        battery,
        nullIfEmpty(p.getJurisdictionsList()),
        p.hasOfflineLimit() ? Span.of(p.getOfflineLimit()) : null,
        p.hasHeartbeatInterval() ? Span.of(p.getHeartbeatInterval()) : null,
        emptyToNull(p.getNoticeText()));
  }

  private static Target target(TargetRule rule) {
    return switch (rule.getTargetCase()) {
      case APP_ID -> new Target(rule.getAppId(), null, kinds(rule.getKindsValueList()));
      case SITE_PATTERN -> new Target(null, rule.getSitePattern(), kinds(rule.getKindsValueList()));
      case TARGET_NOT_SET -> new Target(null, null, kinds(rule.getKindsValueList()));
    };
  }

  private static List<Kind> kinds(List<Integer> numbers) {
    return nullIfEmpty(numbers.stream().map(Kind::of).toList());
  }

  private static <T> List<T> nullIfEmpty(List<T> list) {
    return list.isEmpty() ? null : list;
  }

  private static String emptyToNull(String s) {
    return s.isEmpty() ? null : s;
  }

  /** The same file without the server's version, to compare content. */
  PolicyFile withoutVersion() {
    return new PolicyFile(name, null, description, captureKinds, allowlist, denylist, pause, schedule, bandwidth,
        battery, jurisdictions, offlineLimit, heartbeatInterval, notice);
  }

  String toYaml() {
    try {
      return YAML.writeValueAsString(this);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** For {@code -o json}: the same keys and values as the YAML. */
  ObjectNode toTree() {
    return TREE.valueToTree(this);
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
