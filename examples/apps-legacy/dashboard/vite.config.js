// Mounted at /dashboard: as on Vercel, the app says where its pages and assets live.
export default { base: "/dashboard/" };
