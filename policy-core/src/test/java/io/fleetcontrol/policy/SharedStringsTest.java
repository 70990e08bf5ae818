package io.fleetcontrol.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SharedStringsTest {

  /** A string equal to {@code s} that is not the same object, as a decoder makes one. */
  private static String decoded(String s) {
    return new String(s.toCharArray());
  }

  @Test
  void equalStringsDecodedApartBecomeOneCopy() {
    String a = decoded("laptop-0042");
    String b = decoded("laptop-0042");
    assertNotSame(a, b);
    assertSame(SharedStrings.of(a), SharedStrings.of(b));
    assertNull(SharedStrings.of((String) null));
  }

  @Test
  void anIdentityDecodedTwiceSharesItsStringsWithTheOtherOnceKept() {
    DeviceIdentity declared = new DeviceIdentity(decoded("laptop-7"), decoded("ana@example.com"), decoded("US"),
        Map.of(decoded("team"), decoded("sre")), decoded("1.4.0"), decoded("Europe/Lisbon"));
    DeviceIdentity other = new DeviceIdentity(decoded("laptop-7"), decoded("ana@example.com"), decoded("US"),
        Map.of(decoded("team"), decoded("sre")), decoded("1.4.0"), decoded("Europe/Lisbon"));
    assertNotSame(declared.owner(), other.owner(), "a declared identity is not shared yet");
    DeviceIdentity first = declared.shared();
    DeviceIdentity second = other.shared();
    assertEquals(declared, first);
    assertEquals(first, second);
    assertSame(first.deviceId(), second.deviceId());
    assertSame(first.owner(), second.owner());
    assertSame(first.jurisdiction(), second.jurisdiction());
    assertSame(first.timeZone(), second.timeZone());
    assertSame(first.agentVersion(), second.agentVersion());
    String key = first.labels().keySet().iterator().next();
    assertSame(key, second.labels().keySet().iterator().next());
    assertSame(first.labels().get(key), second.labels().get(key));
    assertSame(new PolicyVersion(decoded("default"), 3).shared().policyName(),
        new PolicyVersion(decoded("default"), 4).shared().policyName());
  }

  @Test
  void labelsStayUnmodifiableAndRefuseNullsAsBefore() {
    Map<String, String> labels = SharedStrings.of(Map.of("team", "sre"));
    assertThrows(UnsupportedOperationException.class, () -> labels.put("x", "y"));
    Map<String, String> withNull = new HashMap<>();
    withNull.put("team", null);
    assertThrows(NullPointerException.class, () -> SharedStrings.of(withNull));
  }
}
