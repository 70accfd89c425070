export * from './html-report.js';
export * from './png.js';
export * from './svg-chart.js';
