import { describe, expect, it } from 'vitest';
import { CATALOGUE, SERVICE_NAMES, componentStatusFromProto, componentStatusToProto, resultStatusFromProto, serviceOf, COMPONENT_STATUSES } from './index.js';

describe('catalogue', () => {
  it('has every verifier of SPEC section 4, each owned by a known service', () => {
    expect(Object.keys(CATALOGUE)).toHaveLength(25);
    for (const service of Object.values(CATALOGUE)) expect(SERVICE_NAMES).toContain(service);
    expect(serviceOf('vision.box_iou')).toBe('vision-iou');
    expect(serviceOf('text.exact')).toBe('gateway');
    expect(serviceOf('math.equiv')).toBe('math');
  });

  it('knows nothing outside the catalogue, prototype names included', () => {
    expect(serviceOf('vision.nope')).toBeUndefined();
    expect(serviceOf('__proto__')).toBeUndefined();
    expect(serviceOf('toString')).toBeUndefined();
  });
});

describe('status enums', () => {
  it('round-trip every component status and read garbage as error / invalid', () => {
    for (const s of COMPONENT_STATUSES) expect(componentStatusFromProto(componentStatusToProto(s))).toBe(s);
    expect(componentStatusFromProto('COMPONENT_STATUS_UNSPECIFIED')).toBe('error');
    expect(componentStatusFromProto(undefined)).toBe('error');
    expect(resultStatusFromProto('RESULT_STATUS_PARTIAL')).toBe('partial');
    expect(resultStatusFromProto('bogus')).toBe('invalid');
  });
});
