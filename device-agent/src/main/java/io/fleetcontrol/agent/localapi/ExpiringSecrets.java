package io.fleetcontrol.agent.localapi;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * Random secrets (32 bytes, URL-safe base64) that are good for a while, kept in memory: the page's
 * one-time sign-in codes and its sessions. At most {@code maxOutstanding} are kept; minting one more
 * forgets the oldest, so that asking for links again and again cannot grow the agent's memory.
 * Thread-safe.
 */
final class ExpiringSecrets {

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Duration lifetime;
  private final int maxOutstanding;
  private final Clock clock;
  /** Secret to expiry, oldest first. */
  private final LinkedHashMap<String, Instant> outstanding = new LinkedHashMap<>();

  ExpiringSecrets(Duration lifetime, int maxOutstanding, Clock clock) {
    this.lifetime = lifetime;
    this.maxOutstanding = maxOutstanding;
    this.clock = clock;
  }

  synchronized String mint() {
    forgetExpired();
    if (outstanding.size() >= maxOutstanding) {
      Iterator<?> oldest = outstanding.keySet().iterator();
      oldest.next();
      oldest.remove();
    }
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    outstanding.put(secret, clock.instant().plus(lifetime));
    return secret;
  }

  /** Whether {@code secret} is good now; it stays good (a session). */
  synchronized boolean isValid(String secret) {
    forgetExpired();
    return secret != null && outstanding.containsKey(secret);
  }

  /** Whether {@code secret} was good; it is not any more (a one-time code). */
  synchronized boolean redeem(String secret) {
    forgetExpired();
    return secret != null && outstanding.remove(secret) != null;
  }

  private void forgetExpired() {
    Instant now = clock.instant();
    outstanding.entrySet().removeIf(e -> !now.isBefore(e.getValue()));
  }
}
