/** What a model's bytes are (or are not), independent of where they came from. */

/** A model file that cannot be read or decoded; the message names the file. */
export class ModelFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelFormatError';
  }
}

/** True for a TensorFlow Lite flatbuffer: file identifier "TFL3" at bytes 4..8. */
export function isTflite(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && bytes[4] === 0x54 && bytes[5] === 0x46 && bytes[6] === 0x4c && bytes[7] === 0x33;
}
