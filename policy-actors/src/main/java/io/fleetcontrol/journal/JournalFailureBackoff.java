package io.fleetcontrol.journal;

import java.time.Duration;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;

/**
 * When an entity starts again after its journal failed it (a write or its recovery, as while Cassandra
 * is away): every persistent entity here uses this one strategy. Backing off to 5 s made a device
 * whose write failed in an outage wait up to 5 s more once Cassandra was back; 1 s keeps that wait
 * under the breakers' 2 s. Only entities that wrote or started during the outage restart at all, and
 * each restart fails at once on the open breaker, so restarting every second costs little.
 *
 * <p>Restarts are logged at DEBUG: at ERROR, with a stack trace each, an outage filled the log with one
 * trace per entity per second. Journal failures show as they happen in the plugin's own warnings, the
 * health check (/ready) and the metrics of journal writes and entity recoveries.
 */
public final class JournalFailureBackoff {

  private JournalFailureBackoff() {}

  public static BackoffSupervisorStrategy strategy() {
    return SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(1), 0.2)
        .withLogLevel(org.slf4j.event.Level.DEBUG);
  }
}
