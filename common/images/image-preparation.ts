/**
 * The handshake of an image build on a cloud whose VMs must strip the
 * agent's identity off their own disk before it is imaged (see
 * controller/connectors/boot/image-preparation.ts): the agent runs the
 * preparation script its plan carries once its reports are sent, then sets
 * this instance parameter; the controller requests the snapshot only once it
 * is set. A parameter is stored with the run, so a controller that restarts
 * in between still knows, and its setting is in the run's events.
 */

/** The build instance's parameter the agent sets (to the time, ISO 8601) once its VM prepared itself. */
export const IMAGE_PREPARED_PARAMETER = 'image.prepared';
