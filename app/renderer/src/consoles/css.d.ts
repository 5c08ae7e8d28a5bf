// Stylesheets imported for their side effect; Vite bundles them (no inline styles under the CSP).
declare module '*.css';
