import { parseConfigText, parseOutputConfig } from '../../src/config/load-config.js';

describe('output settings in a config file', () => {
  it('reads report, min-severity, since and until beside the detector settings', () => {
    const text = 'scan-vertical-ports: 20\nreport: out/report.html\nmin-severity: medium\nsince: 2026-11-23T05:00:00Z\nuntil: 1795420000\n';
    expect(parseOutputConfig(text, 'c.yaml')).toEqual({ report: 'out/report.html', minSeverity: 'medium', since: '2026-11-23T05:00:00Z', until: '1795420000' });
    expect(parseConfigText(text, 'c.yaml')).toEqual({ scanVerticalPorts: 20 });
  });

  it('refuses bad values naming the file and key', () => {
    expect(() => parseOutputConfig('min-severity: loud\n', 'c.yaml')).toThrow('c.yaml: setting "min-severity": expected info, low, medium, high or critical, got "loud"');
    expect(() => parseOutputConfig('report: 3\n', 'c.yaml')).toThrow('c.yaml: setting "report": expected a file path, got 3');
    expect(() => parseConfigText('reportt: x.html\n', 'c.yaml')).toThrow(/unknown setting "reportt"/);
  });
});
