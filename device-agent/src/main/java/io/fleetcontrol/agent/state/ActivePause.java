package io.fleetcontrol.agent.state;

import java.time.Instant;

/** A pause the controller says is in force: no capture from {@code start} until {@code end}. */
public record ActivePause(Instant start, Instant end) {}
