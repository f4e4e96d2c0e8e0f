/*
 * views.h: the programs' views, one per program, each in its own file
 * (index.c, login.c, logout.c) and linkable on its own: main.c runs one
 * through sl_serve(), a test or a fuzz harness calls it directly.
 */
#ifndef VIEWS_H
#define VIEWS_H

struct	sl_req;

void	 index_view(struct sl_req *);
void	 login_view(struct sl_req *);
void	 logout_view(struct sl_req *);

#endif /* !VIEWS_H */
