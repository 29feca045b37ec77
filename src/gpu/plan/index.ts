/**
 * The plan runtime every backbone uses: a forward recorded once as groups of dispatches (one
 * compute pass per stage) over pooled scratch buffers and stored weights, replayed as one submit.
 */
export * from './scratch';
export * from './layers';
export * from './runner';
export * from './builder';
export * from './weights';
export * from '../gemm';
