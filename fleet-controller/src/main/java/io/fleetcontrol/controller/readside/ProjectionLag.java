package io.fleetcontrol.controller.readside;

import java.time.Instant;

/** Told, after a projection wrote a group of events, when the newest of them was journaled. */
@FunctionalInterface
public interface ProjectionLag {

  ProjectionLag NONE = (projection, newestEvent) -> { };

  void written(String projection, Instant newestEvent);

  /** The projection stopped on this node (it moved to another, or the node stops). */
  default void stopped(String projection) { }
}
