/**
 * docker-compose.yml stays valid (no Docker engine runs here, so `docker-compose config` is the
 * check): Redis with AOF and noeviction, autoheal built from this repository on it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const available = spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;

describe('docker-compose.yml', () => {
  it.skipIf(!available)('is valid and runs autoheal on a durable, non-evicting Redis', () => {
    const config = parse(execFileSync('docker-compose', ['-f', 'docker-compose.yml', 'config'], { encoding: 'utf8' })) as {
      services: Record<string, { command?: string[]; environment?: Record<string, string>; build?: unknown }>;
    };
    const redis = config.services.redis?.command?.join(' ') ?? '';
    expect(redis).toContain('--appendonly yes');
    expect(redis).toContain('--appendfsync always');
    expect(redis).toContain('--maxmemory-policy noeviction');
    expect(config.services.autoheal?.build).toBeDefined();
    expect(config.services.autoheal?.environment?.AUTOHEAL_REDIS_URL).toBe('redis://redis:6379');
    expect(config.services.autoheal?.command?.slice(0, 3)).toEqual(['run', '--rulebook', 'rulebooks/alertmanager-disk-full.yml']);
  });
});
