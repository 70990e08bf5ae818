package io.fleetcontrol.device;

import java.time.Duration;

/**
 * What operators count of device entities: each start is a recovery from the journal (snapshot
 * and events), which after a node loss or in an enrollment storm is most of a node's work.
 */
public interface DeviceLifecycle {

  /** The entity's state was read back and it takes commands; {@code took} from its start. */
  void recovered(Duration took);

  /** Reading the state back failed (the entity restarts with backoff). */
  void recoveryFailed(Duration took);

  void stopped();

  /** For tests of the entity. */
  DeviceLifecycle UNOBSERVED = new DeviceLifecycle() {
    @Override
    public void recovered(Duration took) {}

    @Override
    public void recoveryFailed(Duration took) {}

    @Override
    public void stopped() {}
  };
}
