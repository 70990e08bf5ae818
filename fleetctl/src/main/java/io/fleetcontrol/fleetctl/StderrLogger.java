package io.fleetcontrol.fleetctl;

import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.event.Logging;
import scala.util.control.NoStackTrace;

/**
 * Pekko logger writing to stderr. Pekko's default logger writes to stdout, which must stay
 * clean for {@code -o json}, and this module has no pekko-slf4j to route it to logback.
 */
public final class StderrLogger extends AbstractActor {

  @Override
  public Receive createReceive() {
    return receiveBuilder()
        .match(Logging.InitializeLogger.class, init -> getSender().tell(Logging.loggerInitialized(), getSelf()))
        .match(Logging.LogEvent.class, this::print)
        .build();
  }

  private void print(Logging.LogEvent event) {
    String cause = "";
    // Pekko marks "no cause" with a NoStackTrace object; only a real exception is worth printing.
    if (event instanceof Logging.Error error && !(error.cause() instanceof NoStackTrace)) {
      cause = " (" + error.cause() + ")";
    }
    System.err.println("fleetctl: " + levelName(event) + " " + event.logSource() + ": " + event.message() + cause);
  }

  private static String levelName(Logging.LogEvent event) {
    if (event instanceof Logging.Error) {
      return "ERROR";
    }
    if (event instanceof Logging.Warning) {
      return "WARN";
    }
    return event instanceof Logging.Info ? "INFO" : "DEBUG";
  }
}
