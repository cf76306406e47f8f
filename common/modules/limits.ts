/**
 * The catalog's limits and name rules, in one place so that the server, the
 * CLI and the documentation quote the same numbers. Sizes of values are in
 * UTF-8 bytes, lengths of names and descriptions in characters. Name rules
 * shared beyond the catalog live in ../names.ts and are re-exported here
 * under their catalog name.
 */
import { DNS_LABEL } from '../names.js';

/** A module path has at most this many characters. */
export const MAX_MODULE_PATH_LENGTH = 255;

/** A module path has at most this many `/`-separated segments. */
export const MAX_MODULE_PATH_SEGMENTS = 10;

/** One segment of a module path: a letter or digit, then letters, digits, `_`, `.`, `-`; 63 at most. */
export const MODULE_PATH_SEGMENT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/;

/** A module tag (`path:TAG`): a lowercase letter, then lowercase letters, digits, `.`, `_`, `-`; 63 at most. */
export const MODULE_TAG_PATTERN = /^[a-z][a-z0-9._-]{0,62}$/;

/** A module's or a parameter's description has at most this many characters. */
export const MAX_DESCRIPTION_LENGTH = 4096;

/**
 * A cloud name (image keys, per-cloud resource options, a node's cloud): a DNS
 * label (RFC 1123) that, unlike {@link DNS_LABEL}, may start with a digit.
 */
export const CLOUD_NAME_PATTERN = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** A native image id (AMI, image URN, image URL) has at most this many characters. */
export const MAX_IMAGE_ID_LENGTH = 1024;

/** Smallest number of CPUs a component may ask for. */
export const MIN_CPU = 1;
/** Largest number of CPUs a component may ask for. */
export const MAX_CPU = 1024;
/** Largest memory a component may ask for, in GB (the smallest is anything above 0). */
export const MAX_RAM_GB = 65536;
/** Smallest disk a component may ask for, in GB. */
export const MIN_DISK_GB = 1;
/** Largest disk a component may ask for, in GB. */
export const MAX_DISK_GB = 65536;

/** A per-cloud resource option key, e.g. `instanceType`, `security.groups`. */
export const CLOUD_OPTION_KEY_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** A per-cloud resource option value has at most this many characters. */
export const MAX_CLOUD_OPTION_VALUE_LENGTH = 1024;

/** One recipe script has at most this many UTF-8 bytes (64 KiB). */
export const MAX_RECIPE_BYTES = 64 * 1024;

/** A component lists at most this many packages. */
export const MAX_PACKAGES = 500;
/** A package name as package managers accept it, with an optional version (`pkg=1.2`, `pkg:amd64`). */
export const PACKAGE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9+._:=~-]{0,127}$/;

/** A component declares at most this many parameters (its own, not inherited ones). */
export const MAX_PARAMETERS = 200;
/** A parameter name: a letter, then letters, digits, `_`, `-`; no `:` or `.`, which separate runtime keys. */
export const PARAMETER_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
/** A parameter value (a default, an enum value, a mapped literal) has at most this many UTF-8 bytes. */
export const MAX_PARAMETER_VALUE_BYTES = 64 * 1024;
/** An enum parameter has at most this many values. */
export const MAX_ENUM_VALUES = 1000;

/** An application has at least this many nodes. */
export const MIN_NODES = 1;
/** An application has at most this many nodes. */
export const MAX_NODES = 100;
/** A node name: a DNS label starting with a letter, the same rule as a tenant name ({@link DNS_LABEL}). */
export const NODE_NAME_PATTERN: RegExp = DNS_LABEL;
/** The reserved prefix of the run's own parameters (`ss:state`); no node may have this name. */
export const RUN_PARAMETER_PREFIX = 'ss';
/** The name part of a run parameter (`state`, `tags`, `url.service`). */
export const RUN_PARAMETER_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
/** A node has at most this many instances (at save time and after launch overrides). */
export const MAX_MULTIPLICITY = 10_000;

/** An inheritance chain (root ancestor to the component itself) has at most this many components. */
export const MAX_LINEAGE_DEPTH = 32;
