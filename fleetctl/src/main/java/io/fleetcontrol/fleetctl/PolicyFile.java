package io.fleetcontrol.fleetctl;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fleetcontrol.proto.v1.BandwidthRules;
import io.fleetcontrol.proto.v1.BatteryRules;
import io.fleetcontrol.proto.v1.CaptureKind;
import io.fleetcontrol.proto.v1.MeteredNetworkAction;
import io.fleetcontrol.proto.v1.PauseRules;
import io.fleetcontrol.proto.v1.Policy;
import io.fleetcontrol.proto.v1.Schedule;
import io.fleetcontrol.proto.v1.TargetRule;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The policy file ops write by hand (see fleetctl/examples/policy.yaml), to and from the fleet.v1
 * Policy. Only the file's shape is checked here, each problem naming its key; whether the policy
 * keeps the rules is the server's to say.
 */
final class PolicyFile {

  /** The file could not be read as a policy; the message names the key. */
  static final class FileError extends RuntimeException {
    FileError(String message) {
      super(message);
    }
  }

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
      .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
  private static final Set<String> TOP_KEYS = Set.of("name", "version", "description", "capture_kinds", "allowlist", "denylist",
      "pause", "schedule", "bandwidth", "battery", "jurisdictions", "offline_limit", "heartbeat_interval", "notice");
  private static final List<String> DAYS = List.of("mon", "tue", "wed", "thu", "fri", "sat", "sun");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)?");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  private PolicyFile() {}

  static Policy read(Path file) {
    try {
      return parse(Files.readString(file));
    } catch (IOException e) {
      throw new FileError("cannot read " + file + ": " + e.getMessage());
    }
  }

  static Policy parse(String yaml) {
    JsonNode root;
    try {
      root = YAML.readTree(yaml);
    } catch (IOException e) {
      throw new FileError("not YAML: " + firstLine(e.getMessage()));
    }
    if (root == null || !root.isObject()) {
      throw new FileError("the file must be a YAML mapping with at least a name");
    }
    onlyKeys("", root, TOP_KEYS);
    // "version" may be there when the file came from `policies get -o yaml`; the server assigns it.
    Policy.Builder p = Policy.newBuilder().setName(text("name", root.get("name"), true));
    if (root.has("description")) {
      p.setDescription(text("description", root.get("description"), false));
    }
    for (String kind : strings("capture_kinds", root.get("capture_kinds"))) {
      p.addCaptureKinds(kind("capture_kinds", kind));
    }
    rules("allowlist", root.get("allowlist")).forEach(p::addAllowlist);
    rules("denylist", root.get("denylist")).forEach(p::addDenylist);
    if (root.has("pause")) {
      JsonNode pause = root.get("pause");
      onlyKeys("pause.", pause, Set.of("max_pause", "pauses_per_day"));
      PauseRules.Builder b = PauseRules.newBuilder();
      if (pause.has("max_pause")) {
        b.setMaxPause(duration("pause.max_pause", pause.get("max_pause")));
      }
      b.setPausesPerDay(integer("pause.pauses_per_day", pause.get("pauses_per_day")));
      p.setPause(b);
    }
    if (root.has("schedule")) {
      JsonNode s = root.get("schedule");
      onlyKeys("schedule.", s, Set.of("days", "start", "end"));
      Schedule.Builder b = Schedule.newBuilder()
          .setStartLocalTime(text("schedule.start", s.get("start"), true))
          .setEndLocalTime(text("schedule.end", s.get("end"), true));
      for (String day : strings("schedule.days", s.get("days"))) {
        int index = DAYS.indexOf(day.toLowerCase(Locale.ROOT));
        if (index < 0) {
          throw new FileError("schedule.days: '" + day + "' is not one of " + DAYS);
        }
        b.addDays(index + 1);
      }
      p.setSchedule(b);
    }
    if (root.has("bandwidth")) {
      JsonNode b = root.get("bandwidth");
      onlyKeys("bandwidth.", b, Set.of("daily_upload_cap", "monthly_upload_cap", "metered_network", "upload_rate_limit"));
      BandwidthRules.Builder out = BandwidthRules.newBuilder()
          .setDailyUploadCapBytes(size("bandwidth.daily_upload_cap", b.get("daily_upload_cap"), ""))
          .setMonthlyUploadCapBytes(size("bandwidth.monthly_upload_cap", b.get("monthly_upload_cap"), ""))
          .setUploadRateLimitBytesPerSecond(size("bandwidth.upload_rate_limit", b.get("upload_rate_limit"), "/s"));
      if (b.has("metered_network")) {
        String action = text("bandwidth.metered_network", b.get("metered_network"), true);
        try {
          out.setMeteredNetworkAction(MeteredNetworkAction.valueOf("METERED_NETWORK_ACTION_" + action.toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
          throw new FileError("bandwidth.metered_network: '" + action + "' is not one of defer, block, allow");
        }
      }
      p.setBandwidth(out);
    }
    if (root.has("battery")) {
      JsonNode b = root.get("battery");
      onlyKeys("battery.", b, Set.of("min_percent_unplugged", "screenshots_only_while_charging"));
      p.setBattery(BatteryRules.newBuilder()
          .setMinPercentUnplugged(integer("battery.min_percent_unplugged", b.get("min_percent_unplugged")))
          .setScreenshotsOnlyWhileCharging(bool("battery.screenshots_only_while_charging",
              b.get("screenshots_only_while_charging"))));
    }
    p.addAllJurisdictions(strings("jurisdictions", root.get("jurisdictions")));
    if (root.has("offline_limit")) {
      p.setOfflineLimit(duration("offline_limit", root.get("offline_limit")));
    }
    if (root.has("heartbeat_interval")) {
      p.setHeartbeatInterval(duration("heartbeat_interval", root.get("heartbeat_interval")));
    }
    if (root.has("notice")) {
      p.setNoticeText(text("notice", root.get("notice"), false));
    }
    return p.build();
  }

  // ---- reading pieces ----

  private static void onlyKeys(String prefix, JsonNode node, Set<String> allowed) {
    if (!node.isObject()) {
      throw new FileError((prefix.isEmpty() ? "the file" : prefix.substring(0, prefix.length() - 1))
          + " must be a mapping");
    }
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw new FileError("unknown key '" + prefix + key + "' (known: " + allowed.stream().sorted().toList() + ")");
      }
    }
  }

  private static List<TargetRule> rules(String field, JsonNode list) {
    if (list == null || list.isNull()) {
      return List.of();
    }
    if (!list.isArray()) {
      throw new FileError(field + " must be a list of entries such as '- app: slack' or '- site: \"*.example.com\"'");
    }
    java.util.ArrayList<TargetRule> rules = new java.util.ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String path = field + "[" + i + "]";
      JsonNode entry = list.get(i);
      onlyKeys(path + ".", entry, Set.of("app", "site", "kinds"));
      TargetRule.Builder rule = TargetRule.newBuilder();
      if (entry.has("app") == entry.has("site")) {
        throw new FileError(path + " needs exactly one of app or site");
      }
      if (entry.has("app")) {
        rule.setAppId(text(path + ".app", entry.get("app"), true));
      } else {
        rule.setSitePattern(text(path + ".site", entry.get("site"), true));
      }
      for (String kind : strings(path + ".kinds", entry.get("kinds"))) {
        rule.addKinds(kind(path + ".kinds", kind));
      }
      rules.add(rule.build());
    }
    return rules;
  }

  private static CaptureKind kind(String field, String word) {
    try {
      return CaptureKind.valueOf("CAPTURE_KIND_" + word.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new FileError(field + ": '" + word + "' is not a capture kind "
          + "(pointer, clicks, keystrokes, menu_selections, clipboard, screenshots)");
    }
  }

  private static List<String> strings(String field, JsonNode node) {
    if (node == null || node.isNull()) {
      return List.of();
    }
    if (!node.isArray()) {
      throw new FileError(field + " must be a list, e.g. [a, b]");
    }
    java.util.ArrayList<String> out = new java.util.ArrayList<>();
    node.forEach(item -> out.add(text(field, item, true)));
    return out;
  }

  private static String text(String field, JsonNode node, boolean required) {
    if (node == null || node.isNull()) {
      if (required) {
        throw new FileError(field + " is required");
      }
      return "";
    }
    if (!node.isValueNode()) {
      throw new FileError(field + " must be a single value");
    }
    return node.asText();
  }

  private static int integer(String field, JsonNode node) {
    if (node == null || node.isNull()) {
      return 0;
    }
    if (!node.canConvertToInt()) {
      throw new FileError(field + ": '" + node.asText() + "' is not a whole number");
    }
    return node.asInt();
  }

  private static boolean bool(String field, JsonNode node) {
    if (node == null || node.isNull()) {
      return false;
    }
    if (!node.isBoolean()) {
      throw new FileError(field + ": '" + node.asText() + "' is not true or false");
    }
    return node.asBoolean();
  }

  /** "30s", "5m", "24h", "7d", "500ms" or ISO-8601 "PT30S". */
  static com.google.protobuf.Duration duration(String field, JsonNode node) {
    String text = text(field, node, true).trim();
    Duration d;
    Matcher m = DURATION.matcher(text);
    if (m.matches()) {
      long n = Long.parseLong(m.group(1));
      d = switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    } else {
      try {
        d = Duration.parse(text);
      } catch (DateTimeParseException e) {
        throw new FileError(field + ": '" + text + "' is not a duration such as 30s, 5m, 24h or PT30S");
      }
    }
    return com.google.protobuf.Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }

  /** "500MB" (10^6), "2MiB" (2^20), or plain bytes; {@code suffix} is "/s" for rates. */
  static long size(String field, JsonNode node, String suffix) {
    if (node == null || node.isNull()) {
      return 0;
    }
    if (node.isIntegralNumber()) {
      return node.asLong();
    }
    String text = node.asText().trim();
    if (!suffix.isEmpty() && text.endsWith(suffix)) {
      text = text.substring(0, text.length() - suffix.length());
    }
    Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      throw new FileError(field + ": '" + node.asText() + "' is not a size such as 500MB, 5GB or 2MiB" + suffix);
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    long factor = switch (unit) {
      case "KB" -> 1_000L;
      case "MB" -> 1_000_000L;
      case "GB" -> 1_000_000_000L;
      case "TB" -> 1_000_000_000_000L;
      case "KiB" -> 1L << 10;
      case "MiB" -> 1L << 20;
      case "GiB" -> 1L << 30;
      case "TiB" -> 1L << 40;
      default -> 1L;
    };
    return Math.multiplyExact(n, factor);
  }

  private static String firstLine(String message) {
    int newline = message == null ? -1 : message.indexOf('\n');
    return newline < 0 ? String.valueOf(message) : message.substring(0, newline);
  }

  // ---- writing ----

  /** The policy in the file's own shape, so `get -o yaml` can be edited and fed to `update`. */
  static ObjectNode toTree(Policy p) {
    JsonNodeFactory f = JsonNodeFactory.instance;
    ObjectNode root = f.objectNode();
    root.put("name", p.getName());
    if (p.getVersion() > 0) {
      root.put("version", p.getVersion());
    }
    if (!p.getDescription().isEmpty()) {
      root.put("description", p.getDescription());
    }
    ArrayNode kinds = root.putArray("capture_kinds");
    p.getCaptureKindsList().forEach(k -> kinds.add(word(k)));
    root.set("allowlist", rulesTree(p.getAllowlistList()));
    root.set("denylist", rulesTree(p.getDenylistList()));
    if (p.hasPause()) {
      ObjectNode pause = root.putObject("pause");
      pause.put("max_pause", words(p.getPause().getMaxPause()));
      pause.put("pauses_per_day", p.getPause().getPausesPerDay());
    }
    if (p.hasSchedule()) {
      ObjectNode s = root.putObject("schedule");
      ArrayNode days = s.putArray("days");
      p.getSchedule().getDaysList().forEach(d -> days.add(d >= 1 && d <= 7 ? DAYS.get(d - 1) : String.valueOf(d)));
      s.put("start", p.getSchedule().getStartLocalTime());
      s.put("end", p.getSchedule().getEndLocalTime());
    }
    if (p.hasBandwidth()) {
      ObjectNode b = root.putObject("bandwidth");
      b.put("daily_upload_cap", p.getBandwidth().getDailyUploadCapBytes());
      b.put("monthly_upload_cap", p.getBandwidth().getMonthlyUploadCapBytes());
      b.put("metered_network", p.getBandwidth().getMeteredNetworkAction() == MeteredNetworkAction.METERED_NETWORK_ACTION_UNSPECIFIED
          ? "defer" : p.getBandwidth().getMeteredNetworkAction().name().substring("METERED_NETWORK_ACTION_".length())
              .toLowerCase(Locale.ROOT));
      b.put("upload_rate_limit", p.getBandwidth().getUploadRateLimitBytesPerSecond());
    }
    if (p.hasBattery()) {
      ObjectNode b = root.putObject("battery");
      b.put("min_percent_unplugged", p.getBattery().getMinPercentUnplugged());
      b.put("screenshots_only_while_charging", p.getBattery().getScreenshotsOnlyWhileCharging());
    }
    ArrayNode places = root.putArray("jurisdictions");
    p.getJurisdictionsList().forEach(places::add);
    if (p.hasOfflineLimit()) {
      root.put("offline_limit", words(p.getOfflineLimit()));
    }
    if (p.hasHeartbeatInterval()) {
      root.put("heartbeat_interval", words(p.getHeartbeatInterval()));
    }
    if (!p.getNoticeText().isEmpty()) {
      root.put("notice", p.getNoticeText());
    }
    return root;
  }

  private static ArrayNode rulesTree(List<TargetRule> rules) {
    ArrayNode list = JsonNodeFactory.instance.arrayNode();
    for (TargetRule rule : rules) {
      ObjectNode entry = list.addObject();
      if (rule.getTargetCase() == TargetRule.TargetCase.APP_ID) {
        entry.put("app", rule.getAppId());
      } else {
        entry.put("site", rule.getSitePattern());
      }
      if (rule.getKindsCount() > 0) {
        ArrayNode kinds = entry.putArray("kinds");
        rule.getKindsList().forEach(k -> kinds.add(word(k)));
      }
    }
    return list;
  }

  static String word(CaptureKind kind) {
    return kind.name().substring("CAPTURE_KIND_".length()).toLowerCase(Locale.ROOT);
  }

  static String words(com.google.protobuf.Duration d) {
    long s = d.getSeconds();
    if (d.getNanos() != 0) {
      return Duration.ofSeconds(s, d.getNanos()).toString();
    }
    if (s % 86400 == 0 && s > 0) {
      return s / 86400 + "d";
    }
    if (s % 3600 == 0 && s > 0) {
      return s / 3600 + "h";
    }
    if (s % 60 == 0 && s > 0) {
      return s / 60 + "m";
    }
    return s + "s";
  }

  static String toYaml(Policy p) {
    try {
      return new ObjectMapper(YAMLFactory.builder()
              .disable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
              .enable(com.fasterxml.jackson.dataformat.yaml.YAMLGenerator.Feature.MINIMIZE_QUOTES)
              .build())
          .writeValueAsString(toTree(p));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
