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

  /**
   * The agent spoke through {@code stream}, and pushes go where it speaks. Returns true when that is
   * not the stream known (this entity started after the stream attached, as after its node went down,
   * or a late attach from a stream the agent gave up took its place): it must be told everything.
   * Otherwise the newest stream proved alive and the one it replaced can go.
   */
  boolean spokeThrough(ActorRef<AgentPush> stream) {
    if (!isCurrent(stream)) {
      adopt(stream);
      return true;
    }
    currentIsAlive();
    return false;
  }

  /** Tells one stream, opened with a credential no longer the device's, that it must not come back. */
  void refuse(ActorRef<AgentPush> stream) {
    stream.tell(new AgentPush.CredentialWithdrawn(deviceId, "the credential of device " + deviceId + " is no longer valid"));
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
