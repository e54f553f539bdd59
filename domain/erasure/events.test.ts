import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLIENT_ERASED, clientErased, clientErasedSchema, erasureStreamName } from './events.ts';

test('the erasure stream of a property is erasure-<tid>', () => {
  assert.is(erasureStreamName('UA-12345-1'), 'erasure-UA-12345-1');
});

test('ClientErased.v1 carries the property, the erased client stream and the time', () => {
  const event = clientErased('UA-12345-1', 'client-UA-12345-1.c.111.222', 1_700_000_000_000);
  assert.is(event.type, CLIENT_ERASED);
  assert.equal(clientErasedSchema.parse(event.data), { propertyId: 'UA-12345-1', stream: 'client-UA-12345-1.c.111.222', at: 1_700_000_000_000 });
});

test('ClientErased.v1 refuses a stream that is not a client stream, or a malformed tid', () => {
  assert.not.ok(clientErasedSchema.safeParse({ propertyId: 'UA-1-1', stream: 'property-UA-1-1', at: 0 }).success);
  assert.not.ok(clientErasedSchema.safeParse({ propertyId: 'G-XYZ', stream: 'client-G-XYZ.c.1', at: 0 }).success);
  assert.not.ok(clientErasedSchema.safeParse({ propertyId: 'UA-1-1', stream: 'client-UA-1-1.c.1', at: -1 }).success);
});

test.run();
