/**
 * Shared by the entry points (server, CLIs): read the configuration from the environment, or
 * print what is wrong with it and exit with code 2.
 */
import { parseConfig, type Config } from './config.js';
import { ConfigError } from './errors.js';

export function configOrExit(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  try {
    return parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}
