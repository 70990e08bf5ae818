package io.fleetcontrol.fleetctl;

import io.fleetcontrol.proto.v1.CaptureState;
import io.fleetcontrol.proto.v1.ConnectionState;
import io.fleetcontrol.proto.v1.ExemptionReason;
import io.fleetcontrol.proto.v1.ExemptionScope;
import io.fleetcontrol.proto.v1.ExemptionStatus;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Proto enum values as the short words the CLI prints and accepts:
 * {@code CAPTURE_STATE_NO_POLICY <-> "no_policy"}, {@code CONNECTION_STATE_ONLINE <-> "online"}.
 */
final class StateNames {
  static final String CAPTURE_PREFIX = "CAPTURE_STATE_";
  static final String CONNECTION_PREFIX = "CONNECTION_STATE_";
  static final String EXEMPTION_STATUS_PREFIX = "EXEMPTION_STATUS_";

  private StateNames() {}

  static String of(CaptureState state) {
    return shortName(state.name(), CAPTURE_PREFIX);
  }

  static String of(ConnectionState state) {
    return shortName(state.name(), CONNECTION_PREFIX);
  }

  static String of(ExemptionStatus status) {
    return shortName(status.name(), EXEMPTION_STATUS_PREFIX);
  }

  static String of(ExemptionScope scope) {
    return shortName(scope.name(), "EXEMPTION_SCOPE_");
  }

  static String of(ExemptionReason reason) {
    return shortName(reason.name(), "EXEMPTION_REASON_");
  }

  /** Drops the prefix and lower-cases; a name without the prefix (UNRECOGNIZED) is only lower-cased. */
  static String shortName(String protoName, String prefix) {
    String name = protoName.startsWith(prefix) ? protoName.substring(prefix.length()) : protoName;
    return name.toLowerCase(Locale.ROOT);
  }

  /** Accepts "no_policy", "no-policy", "NO_POLICY" or the full proto name. */
  static <E extends Enum<E>> E parse(Class<E> type, String prefix, String word) {
    String name = word.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    String full = name.startsWith(prefix) ? name : prefix + name;
    if (!words(type, prefix).contains(shortName(full, prefix))) {
      throw new TypeConversionException(
          "'" + word + "' is not one of " + String.join(", ", words(type, prefix)));
    }
    return Enum.valueOf(type, full);
  }

  /** The values a user may ask for: all but UNSPECIFIED and protobuf's UNRECOGNIZED. */
  static <E extends Enum<E>> List<String> words(Class<E> type, String prefix) {
    return Arrays.stream(type.getEnumConstants())
        .map(Enum::name)
        .filter(name -> name.startsWith(prefix) && !name.endsWith("_UNSPECIFIED"))
        .map(name -> shortName(name, prefix))
        .toList();
  }

  static final class CaptureStateConverter implements ITypeConverter<CaptureState> {
    @Override
    public CaptureState convert(String value) {
      return parse(CaptureState.class, CAPTURE_PREFIX, value);
    }
  }

  static final class ConnectionStateConverter implements ITypeConverter<ConnectionState> {
    @Override
    public ConnectionState convert(String value) {
      return parse(ConnectionState.class, CONNECTION_PREFIX, value);
    }
  }

  static final class ExemptionStatusConverter implements ITypeConverter<ExemptionStatus> {
    @Override
    public ExemptionStatus convert(String value) {
      return parse(ExemptionStatus.class, EXEMPTION_STATUS_PREFIX, value);
    }
  }

  /** For help text and shell completion. */
  static final class CaptureStateWords implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return words(CaptureState.class, CAPTURE_PREFIX).iterator();
    }
  }

  static final class ConnectionStateWords implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return words(ConnectionState.class, CONNECTION_PREFIX).iterator();
    }
  }

  static final class ExemptionStatusWords implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return words(ExemptionStatus.class, EXEMPTION_STATUS_PREFIX).iterator();
    }
  }
}
