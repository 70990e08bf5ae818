package io.fleetcontrol.agent.localapi;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * How the employee signs in to the {@link EmployeePage}: the employee socket, which only the
 * employee reaches, hands out a link with a one-time code in its fragment ({@link #newLink}); the
 * page's script trades the code for a session it keeps in sessionStorage ({@link #signIn}). Codes are short-lived and single-use because a link
 * may end up in a browser's history or a terminal's scrollback. Everything is in memory: a restart
 * signs everyone out.
 */
public final class PageSignIn {

  static final Duration CODE_LIFETIME = Duration.ofMinutes(2);
  static final Duration SESSION_LIFETIME = Duration.ofHours(12);
  /** One employee clicks a link or two; more outstanding than this forgets the oldest. */
  private static final int MAX_CODES = 32;
  private static final int MAX_SESSIONS = 32;

  private final ExpiringSecrets codes;
  private final ExpiringSecrets sessions;
  /** "http://127.0.0.1:PORT" while the page is served; null while it is not. */
  private volatile String pageAddress;

  public PageSignIn(Clock clock) {
    this.codes = new ExpiringSecrets(CODE_LIFETIME, MAX_CODES, clock);
    this.sessions = new ExpiringSecrets(SESSION_LIFETIME, MAX_SESSIONS, clock);
  }

  /** A one-time sign-in link, or empty when no page is served (fleet.agent.page.enabled is off). */
  public Optional<String> newLink() {
    String address = pageAddress;
    return address == null ? Optional.empty() : Optional.of(address + "/#code=" + codes.mint());
  }

  /** A new session for a good code, which is then used up; empty for a wrong, used or expired one. */
  Optional<String> signIn(String code) {
    return codes.redeem(code) ? Optional.of(sessions.mint()) : Optional.empty();
  }

  boolean isSession(String session) {
    return sessions.isValid(session);
  }

  void served(int port) {
    pageAddress = "http://127.0.0.1:" + port;
  }

  void notServed() {
    pageAddress = null;
  }
}
