package io.fleetcontrol.serialization;

/** Marker for messages and events that cross nodes or reach the journal; bound to jackson-cbor. */
public interface CborSerializable {}
