package io.fleetcontrol.fleetctl;

/** Exit codes that scripts can rely on. */
final class ExitCodes {
  static final int OK = 0;
  static final int ERROR = 1;
  /**
   * {@code policies diff -f}: the file differs from the server's latest version, as diff(1) says
   * it. The same number as ERROR (which came first); stderr tells them apart: empty for a difference.
   */
  static final int DIFFERENT = 1;
  /** Picocli's own code for a bad command line. */
  static final int USAGE = 2;
  static final int NOT_FOUND = 3;

  private ExitCodes() {}
}
