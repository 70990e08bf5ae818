package io.fleetcontrol.agent.localapi;

import io.fleetcontrol.policy.Decision;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the employee on their desktop when capture turns on or off, and why. The capture state
 * changes with time as well as with messages (a schedule's hours, a pause running out), so it is
 * looked at every few seconds rather than pushed. Only the change is told, never the state the
 * agent starts in.
 */
public final class CaptureNotifications implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(CaptureNotifications.class);

  /** A notification: a title and a line under it. */
  public record Notice(String title, String body) {}

  private final Supplier<Decision> captureState;
  private final Consumer<Notice> desktop;
  private Boolean lastAllowed;

  public CaptureNotifications(Supplier<Decision> captureState, Consumer<Notice> desktop) {
    this.captureState = captureState;
    this.desktop = desktop;
  }

  /** Looks once; called by one scheduler thread at a time. */
  @Override
  public void run() {
    Decision now = captureState.get();
    if (lastAllowed != null && lastAllowed != now.allowed()) {
      desktop.accept(new Notice(now.allowed() ? "Capture is ON" : "Capture is OFF", now.reason()));
    }
    lastAllowed = now.allowed();
  }

  /**
   * notify-send, where there is a desktop session to send to: the per-user agent inherits the
   * session's D-Bus address; the system agent has none, and says so once.
   */
  public static Optional<Consumer<Notice>> notifySend() {
    Optional<Path> program = Desktop.onPath("notify-send");
    if (program.isEmpty() || System.getenv("DBUS_SESSION_BUS_ADDRESS") == null) {
      log.info("No desktop notifications: {}", program.isEmpty()
          ? "notify-send is not on the PATH" : "no desktop session (DBUS_SESSION_BUS_ADDRESS is not set)");
      return Optional.empty();
    }
    return Optional.of(notice -> {
      try {
        new ProcessBuilder(List.of(program.get().toString(), "--app-name=fleet-agent", notice.title(), notice.body()))
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
      } catch (IOException e) {
        log.warn("notify-send failed: {}", e.getMessage());
      }
    });
  }
}
