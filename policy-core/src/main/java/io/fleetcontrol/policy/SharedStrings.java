package io.fleetcontrol.policy;

import java.util.HashMap;
import java.util.Map;

/**
 * One copy of a string that many parts of a node hold for the same device (its id, owner, policy
 * name, jurisdiction, time zone, labels), where each part would otherwise keep the copy it decoded:
 * sharding, the entity, the stream, presence and the read-side row held the device id six times.
 * {@link String#intern} is the JVM's own table, which holds its strings weakly: a value no device
 * uses any more is collected. Its entries live outside the heap and the table does not shrink, so
 * only accepted values go through it: a journaled identity, an authenticated stream's device id,
 * read-side rows, policy names.
 */
public final class SharedStrings {

  private SharedStrings() {}

  /** The shared copy of {@code value}; null stays null. */
  public static String of(String value) {
    return value == null ? null : value.intern();
  }

  /** An unmodifiable copy of {@code map} with shared keys and values (none of them null, as {@link Map#copyOf}). */
  public static Map<String, String> of(Map<String, String> map) {
    Map<String, String> shared = new HashMap<>(map.size() * 2);
    map.forEach((k, v) -> shared.put(of(k), of(v)));
    return Map.copyOf(shared);
  }
}
