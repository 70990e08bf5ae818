package io.fleetcontrol.agent.telemetry;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether NetworkManager marks any device's connection metered (a phone hotspot, say). Asked at
 * most once a minute; where there is no {@code nmcli}, or it fails, the answer is "not metered"
 * and one debug line says so: the setting {@code metered-network = true} covers such laptops.
 */
final class MeteredNetwork {

  private static final Logger log = LoggerFactory.getLogger(MeteredNetwork.class);
  private static final Duration ASK_EVERY = Duration.ofMinutes(1);
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private Instant askedAt;
  private boolean metered;
  private boolean failureLogged;

  synchronized boolean isMetered() {
    Instant now = Instant.now();
    if (askedAt == null || Duration.between(askedAt, now).compareTo(ASK_EVERY) >= 0) {
      askedAt = now;
      metered = askNetworkManager();
    }
    return metered;
  }

  private boolean askNetworkManager() {
    try {
      Process nmcli = new ProcessBuilder("nmcli", "-t", "-g", "GENERAL.METERED", "device", "show")
          .redirectErrorStream(true).start();
      if (!nmcli.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        nmcli.destroyForcibly();
        return unknown("nmcli took longer than " + TIMEOUT.toSeconds() + " s");
      }
      String output = new String(nmcli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      return nmcli.exitValue() == 0 && isMetered(output);
    } catch (IOException e) {
      return unknown("no nmcli: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** nmcli prints one line per device: "yes", "no", "yes (guessed)", "no (guessed)", "unknown". */
  static boolean isMetered(String nmcliOutput) {
    return nmcliOutput.lines().map(String::strip).anyMatch(line -> line.startsWith("yes"));
  }

  private boolean unknown(String why) {
    if (!failureLogged) {
      log.debug("Metered network unknown ({}); counted as not metered", why);
      failureLogged = true;
    }
    return false;
  }
}
