package io.fleetcontrol.controller.readside;

import java.time.Instant;

/** Told, after a projection wrote a group of events, when the newest of them was journaled. */
@FunctionalInterface
public interface ProjectionLag {

  ProjectionLag NONE = (projection, newestEvent) -> { };

  void written(String projection, Instant newestEvent);
}
