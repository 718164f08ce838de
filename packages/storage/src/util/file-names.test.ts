import { describe, expect, it } from 'vitest';
import { offsetFileName, parsePartitionDirName, parseSegmentFileName, partitionDirName } from './file-names.js';

describe('file names', () => {
  it("uses Kafka's 20-digit zero-padded segment names", () => {
    expect(offsetFileName(0)).toBe('00000000000000000000');
    expect(offsetFileName(9007199254740991)).toBe('00009007199254740991');
    expect(parseSegmentFileName('00000000000000000123.log')).toEqual({ baseOffset: 123, kind: 'log', state: '' });
    expect(parseSegmentFileName('00000000000000000123.timeindex.swap')).toEqual({ baseOffset: 123, kind: 'timeindex', state: '.swap' });
    expect(parseSegmentFileName('00000000000000000123.index.deleted')).toMatchObject({ state: '.deleted' });
    expect(parseSegmentFileName('00000000000000000123.txnindex.cleaned')).toEqual({ baseOffset: 123, kind: 'txnindex', state: '.cleaned' });
    expect(parseSegmentFileName('00000000000000000123.snapshot')).toBeUndefined();
    expect(parseSegmentFileName('123.log')).toBeUndefined();
  });

  it('parses <topic>-<partition> directories, topics with dashes included, and skips deletion renames', () => {
    expect(parsePartitionDirName('my-topic-12')).toEqual({ topic: 'my-topic', partition: 12 });
    expect(parsePartitionDirName(partitionDirName({ topic: 'a.b', partition: 0 }))).toEqual({ topic: 'a.b', partition: 0 });
    expect(parsePartitionDirName('t-0.4f1c2d-delete')).toBeUndefined();
    expect(parsePartitionDirName('t-0.4f1c2d-future')).toBeUndefined();
    expect(parsePartitionDirName('-3')).toBeUndefined();
    expect(parsePartitionDirName('notapartition')).toBeUndefined();
    expect(parsePartitionDirName('t-99999999999')).toBeUndefined();
  });
});
