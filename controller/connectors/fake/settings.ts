/** The `fake` driver's settings (failure injection): validated and parsed. */
import type { FieldViolation } from '../../../common/errors.js';
import type { ConnectorErrorKind } from '../connector.js';

/** Parsed settings of a `fake` cloud. */
export interface FakeSettings {
  /** The shared store this cloud's VMs live in (see `fakeWorld`). Default `default`. */
  world: string;
  /** 1-based ordinals (per world) of the provision calls that fail. */
  failProvision: ReadonlySet<number>;
  failKind: ConnectorErrorKind;
  failMessage: string | undefined;
  /** How long every provision call takes (abortable). */
  provisionDelayMs: number;
  /** The instance (`node.N`) whose VM vanishes right after it is provisioned. */
  loseInstance: string | undefined;
  /** How many first calls of the world (any method) are throttled. */
  throttleFirst: number;
  /** Every Nth provision call of the world (N, 2N, ...) fails with `failKind` (transient ones with a retry hint); 0 = none. */
  failEveryNth: number;
  /**
   * What an image build of the in-memory world comes to (a delegate builds its own):
   * `available`, `failed` (status says failMessage or a default), or `unsupported`
   * (the cloud cannot build images: capabilities().buildImage is false). Default `available`.
   */
  imageOutcome: 'available' | 'failed' | 'unsupported';
  /** How many imageStatus calls see a new image `pending` before its outcome. Default 1. */
  imagePendingPolls: number;
  /**
   * How long every imageStatus call takes before it answers. Not abortable:
   * the call takes no signal, as a cloud that stops answering gives its
   * caller nothing to cancel. Default 0.
   */
  imageStatusDelayMs: number;
  /**
   * The cloud's VMs prepare themselves before they are imaged, as cloud VMs do
   * (ImagePreparer): the image preparation script, run in the agent's work dir.
   * Default false.
   */
  imagePreparation: boolean;
  /** buildImage leaves the VM `stopped`, as an Azure capture (deallocate, generalize) does. Default false. */
  imageStopsVm: boolean;
}

/** The setting names this driver knows. */
export const FAKE_SETTING_NAMES = ['world', 'failProvision', 'failKind', 'failMessage', 'provisionDelayMs', 'loseInstance', 'throttleFirst', 'failEveryNth', 'imageOutcome', 'imagePendingPolls', 'imageStatusDelayMs', 'imagePreparation', 'imageStopsVm'] as const;

const KINDS: ConnectorErrorKind[] = ['auth', 'quota', 'capacity', 'not_found', 'invalid', 'transient'];
const WORLD = /^[a-z0-9][a-z0-9-]{0,62}$/;
const ORDINALS = /^\s*[1-9]\d{0,8}\s*(,\s*[1-9]\d{0,8}\s*)*$/;
const COUNT = /^(0|[1-9]\d{0,8})$/;
const INSTANCE = /^[a-z]([a-z0-9-]{0,61}[a-z0-9])?\.[1-9]\d*$/;

const delayMs = (v: string) => COUNT.test(v) && Number(v) <= 3_600_000;
const DELAY_RULE = 'must be an integer of milliseconds from 0 to 3600000';

const RULES: Record<(typeof FAKE_SETTING_NAMES)[number], [test: (value: string) => boolean, rule: string]> = {
  world: [(v) => WORLD.test(v), "must be 1 to 63 lowercase letters, digits and '-', starting with a letter or digit"],
  failProvision: [(v) => ORDINALS.test(v), 'must be comma-separated 1-based call numbers, for example 2,5'],
  failKind: [(v) => (KINDS as string[]).includes(v), `must be one of ${KINDS.join(', ')}`],
  failMessage: [(v) => v.length > 0 && v.length <= 1000, 'must be 1 to 1000 characters'],
  provisionDelayMs: [delayMs, DELAY_RULE],
  loseInstance: [(v) => INSTANCE.test(v), 'must be an instance name, NODE.N'],
  throttleFirst: [(v) => COUNT.test(v), 'must be a non-negative integer'],
  failEveryNth: [(v) => COUNT.test(v), 'must be a non-negative integer (0 = none)'],
  imageOutcome: [(v) => ['available', 'failed', 'unsupported'].includes(v), 'must be one of available, failed, unsupported'],
  imagePendingPolls: [(v) => COUNT.test(v), 'must be a non-negative integer'],
  imageStatusDelayMs: [delayMs, DELAY_RULE],
  imagePreparation: [(v) => v === 'true' || v === 'false', 'must be true or false'],
  imageStopsVm: [(v) => v === 'true' || v === 'false', 'must be true or false'],
};

const isFakeSetting = (key: string): key is (typeof FAKE_SETTING_NAMES)[number] => (FAKE_SETTING_NAMES as readonly string[]).includes(key);

/**
 * Splits settings into the fake's own and the rest (meant for a delegate),
 * with the violations of the fake's own.
 */
export function checkFakeSettings(settings: Record<string, string>): { violations: FieldViolation[]; rest: Record<string, string> } {
  const violations: FieldViolation[] = [];
  const rest: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (!isFakeSetting(key)) {
      rest[key] = value;
      continue;
    }
    const [test, rule] = RULES[key];
    if (!test(value)) violations.push({ field: `settings.${key}`, description: rule });
  }
  return { violations, rest };
}

/** The violation of a setting neither the fake nor its delegate knows. */
export function unknownFakeSetting(key: string): FieldViolation {
  return { field: `settings.${key}`, description: `is not a setting of the fake driver (known: ${FAKE_SETTING_NAMES.join(', ')})` };
}

/** Settings that passed {@link checkFakeSettings}, with defaults. */
export function parseFakeSettings(settings: Record<string, string>): FakeSettings {
  const number = (key: string, fallback: number) => (settings[key] === undefined ? fallback : Number(settings[key]));
  return {
    world: settings.world ?? 'default',
    failProvision: new Set((settings.failProvision ?? '').split(',').filter((s) => s.trim() !== '').map(Number)),
    failKind: (settings.failKind as ConnectorErrorKind | undefined) ?? 'capacity',
    failMessage: settings.failMessage,
    provisionDelayMs: number('provisionDelayMs', 0),
    loseInstance: settings.loseInstance,
    throttleFirst: number('throttleFirst', 0),
    failEveryNth: number('failEveryNth', 0),
    imageOutcome: (settings.imageOutcome as FakeSettings['imageOutcome'] | undefined) ?? 'available',
    imagePendingPolls: number('imagePendingPolls', 1),
    imageStatusDelayMs: number('imageStatusDelayMs', 0),
    imagePreparation: settings.imagePreparation === 'true',
    imageStopsVm: settings.imageStopsVm === 'true',
  };
}
