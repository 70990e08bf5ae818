package io.fleetcontrol.device;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * Where a device entity pushes: the agent's open stream, and the one an attach replaced until the
 * new one proves itself with a heartbeat. Not at once: in a cluster an attach whose ask already
 * timed out can arrive late, from a stream the agent gave up, and must not cut off the live one.
 * In memory only; an entity that starts afresh learns its stream from the next heartbeat.
 */
final class DeviceStreams {

  private final String deviceId;
  private ActorRef<AgentPush> current;
  private ActorRef<AgentPush> replaced;

  DeviceStreams(String deviceId) {
    this.deviceId = deviceId;
  }

  /** A stream attached with the device's credential: pushes go there; the one before waits to be superseded. */
  void attach(ActorRef<AgentPush> stream) {
    if (current != null && !current.equals(stream)) {
      replaced = current;
    }
    current = stream;
  }

  /** Pushes go to {@code stream} from now on (it spoke, and is not the one known). */
  void adopt(ActorRef<AgentPush> stream) {
    if (stream.equals(replaced)) {
      replaced = null;
    }
    current = stream;
  }

  boolean isCurrent(ActorRef<AgentPush> stream) {
    return stream.equals(current);
  }

  /** The current stream spoke: it is alive, so the one it replaced can go. */
  void currentIsAlive() {
    if (replaced != null) {
      replaced.tell(new AgentPush.Superseded(deviceId));
      replaced = null;
    }
  }

  /** A stream ended; forget it. */
  void detach(ActorRef<AgentPush> stream) {
    if (stream.equals(current)) {
      current = null;
    }
    if (stream.equals(replaced)) {
      replaced = null;
    }
  }

  /** To the current stream, if there is one. */
  void push(AgentPush message) {
    if (current != null) {
      current.tell(message);
    }
  }

  /** The current stream ends: another enrollment took the device. */
  void supersede() {
    if (current != null) {
      current.tell(new AgentPush.Superseded(deviceId));
      current = null;
    }
  }

  /** Every stream ends now, with {@code why} for the agent: its credential is withdrawn. */
  void withdraw(String why) {
    for (ActorRef<AgentPush> stream : java.util.Arrays.asList(current, replaced)) {
      if (stream != null) {
        stream.tell(new AgentPush.CredentialWithdrawn(deviceId, why));
      }
    }
    current = null;
    replaced = null;
  }
}
